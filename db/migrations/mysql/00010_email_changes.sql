-- +goose Up
CREATE TABLE email_changes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  new_email VARCHAR(320) NOT NULL,
  new_email_lower VARCHAR(320) NOT NULL COLLATE utf8mb4_bin,
  token_hash CHAR(64) NOT NULL COLLATE ascii_bin,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL,
  invalidated_at DATETIME(6) NULL,
  UNIQUE KEY email_changes_token_hash (token_hash),
  KEY email_changes_user (user_id),
  CONSTRAINT email_changes_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE email_changes;
