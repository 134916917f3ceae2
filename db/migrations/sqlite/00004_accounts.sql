-- +goose Up
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL REFERENCES organizations (id),
  parent_id INTEGER NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  depth INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL
);
CREATE INDEX accounts_org ON accounts (organization_id, id);
CREATE INDEX accounts_parent ON accounts (parent_id);
-- +goose Down
DROP TABLE accounts;
