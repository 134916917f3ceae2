-- +goose Up
CREATE TABLE accounts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  parent_id BIGINT NULL,
  name VARCHAR(200) NOT NULL,
  depth INT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  KEY accounts_org (organization_id, id),
  KEY accounts_parent (parent_id),
  CONSTRAINT accounts_org_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
  CONSTRAINT accounts_parent_fk FOREIGN KEY (parent_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE accounts;
