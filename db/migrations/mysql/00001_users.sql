-- +goose Up
CREATE TABLE users (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(320) NOT NULL,
  email_lower VARCHAR(320) NOT NULL COLLATE utf8mb4_bin,
  password_hash VARCHAR(255) NOT NULL DEFAULT '',
  first_name VARCHAR(100) NOT NULL DEFAULT '',
  last_name VARCHAR(100) NOT NULL DEFAULT '',
  display_name VARCHAR(200) NOT NULL DEFAULT '',
  phone VARCHAR(32) NULL,
  default_sending_country CHAR(2) NULL,
  preferred_language VARCHAR(35) NOT NULL DEFAULT 'en',
  communication_email VARCHAR(320) NULL,
  avatar_url VARCHAR(2048) NULL,
  notify_desktop TINYINT(1) NOT NULL DEFAULT 1,
  notify_badges TINYINT(1) NOT NULL DEFAULT 1,
  notify_sounds TINYINT(1) NOT NULL DEFAULT 1,
  manual_away TINYINT(1) NOT NULL DEFAULT 0,
  last_active_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY users_email_lower (email_lower)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE users;
