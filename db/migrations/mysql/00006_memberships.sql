-- +goose Up
CREATE TABLE memberships (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  role VARCHAR(16) NOT NULL,
  role_rank TINYINT NOT NULL,
  permissions VARCHAR(255) NOT NULL DEFAULT '',
  products TEXT NOT NULL,
  restrict_assigned_contacts_only TINYINT(1) NOT NULL DEFAULT 0,
  restrict_data_export_blocked TINYINT(1) NOT NULL DEFAULT 0,
  invited_by_id BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY memberships_account_user (account_id, user_id),
  KEY memberships_user (user_id, organization_id),
  KEY memberships_org_role (organization_id, role_rank),
  CONSTRAINT memberships_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id),
  CONSTRAINT memberships_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE memberships;
