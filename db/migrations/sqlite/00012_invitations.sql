-- +goose Up
CREATE TABLE invitations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL,
  email TEXT NOT NULL,
  email_lower TEXT NOT NULL,
  first_name TEXT NULL,
  last_name TEXT NULL,
  preferred_language TEXT NOT NULL DEFAULT 'en',
  communication_email TEXT NULL,
  role TEXT NOT NULL,
  permissions TEXT NOT NULL DEFAULT '',
  products TEXT NOT NULL,
  restrict_assigned_contacts_only INTEGER NOT NULL DEFAULT 0,
  restrict_data_export_blocked INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  invited_by_id INTEGER NULL,
  accepted_user_id INTEGER NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  last_sent_at DATETIME NOT NULL,
  send_count INTEGER NOT NULL DEFAULT 1,
  accepted_at DATETIME NULL,
  revoked_at DATETIME NULL
);
CREATE UNIQUE INDEX invitations_token_hash ON invitations (token_hash);
CREATE INDEX invitations_org_email ON invitations (organization_id, email_lower, status);
CREATE INDEX invitations_org_status ON invitations (organization_id, status, id);
-- +goose Down
DROP TABLE invitations;
