-- +goose Up
CREATE TABLE memberships (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  user_id INTEGER NOT NULL REFERENCES users (id),
  role TEXT NOT NULL,
  role_rank INTEGER NOT NULL,
  permissions TEXT NOT NULL DEFAULT '',
  products TEXT NOT NULL,
  restrict_assigned_contacts_only INTEGER NOT NULL DEFAULT 0,
  restrict_data_export_blocked INTEGER NOT NULL DEFAULT 0,
  invited_by_id INTEGER NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX memberships_account_user ON memberships (account_id, user_id);
CREATE INDEX memberships_user ON memberships (user_id, organization_id);
CREATE INDEX memberships_org_role ON memberships (organization_id, role_rank);
-- +goose Down
DROP TABLE memberships;
