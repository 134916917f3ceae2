-- +goose Up
CREATE TABLE contacts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  name VARCHAR(200) NOT NULL,
  email VARCHAR(320) NULL,
  phone VARCHAR(32) NULL,
  assignee_id BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY contacts_account (account_id, id),
  KEY contacts_account_assignee (account_id, assignee_id, id),
  CONSTRAINT contacts_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE contacts;
