-- +goose Up
CREATE TABLE email_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id),
  new_email TEXT NOT NULL,
  new_email_lower TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  used_at DATETIME NULL,
  invalidated_at DATETIME NULL
);
CREATE UNIQUE INDEX email_changes_token_hash ON email_changes (token_hash);
CREATE INDEX email_changes_user ON email_changes (user_id);
-- +goose Down
DROP TABLE email_changes;
