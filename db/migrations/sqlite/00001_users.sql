-- +goose Up
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL,
  email_lower TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  display_name TEXT NOT NULL DEFAULT '',
  phone TEXT NULL,
  default_sending_country TEXT NULL,
  preferred_language TEXT NOT NULL DEFAULT 'en',
  communication_email TEXT NULL,
  avatar_url TEXT NULL,
  notify_desktop INTEGER NOT NULL DEFAULT 1,
  notify_badges INTEGER NOT NULL DEFAULT 1,
  notify_sounds INTEGER NOT NULL DEFAULT 1,
  manual_away INTEGER NOT NULL DEFAULT 0,
  last_active_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX users_email_lower ON users (email_lower);
-- +goose Down
DROP TABLE users;
