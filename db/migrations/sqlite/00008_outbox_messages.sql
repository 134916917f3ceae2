-- +goose Up
CREATE TABLE outbox_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  text_body TEXT NOT NULL,
  html_body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at DATETIME NOT NULL,
  locked_by TEXT NULL,
  locked_until DATETIME NULL,
  sent_at DATETIME NULL,
  last_error TEXT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX outbox_due ON outbox_messages (sent_at, next_attempt_at);
-- +goose Down
DROP TABLE outbox_messages;
