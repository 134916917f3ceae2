-- +goose Up
CREATE TABLE invitations (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  email VARCHAR(320) NOT NULL,
  email_lower VARCHAR(320) NOT NULL COLLATE utf8mb4_bin,
  first_name VARCHAR(100) NULL,
  last_name VARCHAR(100) NULL,
  preferred_language VARCHAR(35) NOT NULL DEFAULT 'en',
  communication_email VARCHAR(320) NULL,
  role VARCHAR(16) NOT NULL,
  permissions VARCHAR(255) NOT NULL DEFAULT '',
  products TEXT NOT NULL,
  restrict_assigned_contacts_only TINYINT(1) NOT NULL DEFAULT 0,
  restrict_data_export_blocked TINYINT(1) NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL,
  token_hash CHAR(64) NOT NULL COLLATE ascii_bin,
  invited_by_id BIGINT NULL,
  accepted_user_id BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  last_sent_at DATETIME(6) NOT NULL,
  send_count INT NOT NULL DEFAULT 1,
  accepted_at DATETIME(6) NULL,
  revoked_at DATETIME(6) NULL,
  UNIQUE KEY invitations_token_hash (token_hash),
  KEY invitations_org_email (organization_id, email_lower, status),
  KEY invitations_org_status (organization_id, status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE invitations;
