-- +goose Up
CREATE TABLE contacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  email TEXT NULL,
  phone TEXT NULL,
  assignee_id INTEGER NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_id, id);
CREATE INDEX contacts_account_assignee ON contacts (account_id, assignee_id, id);
-- +goose Down
DROP TABLE contacts;
