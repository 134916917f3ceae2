-- +goose Up
CREATE TABLE organizations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  invitation_lifetime_hours INTEGER NOT NULL DEFAULT 336,
  enabled_products TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
-- +goose Down
DROP TABLE organizations;
