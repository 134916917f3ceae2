-- +goose Up
-- Single-use links that prove an address: purpose 'login' proves the login
-- email, 'communication' sets a new communication email, 'claim' hands an
-- address held unproven by user_id to the person who signed up with it
-- (their chosen password hash and sign-up details wait here until then).
CREATE TABLE email_proofs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  purpose VARCHAR(16) NOT NULL,
  email VARCHAR(320) NOT NULL,
  email_lower VARCHAR(320) NOT NULL COLLATE utf8mb4_bin,
  token_hash CHAR(64) NOT NULL COLLATE ascii_bin,
  password_stamp CHAR(64) NOT NULL DEFAULT '' COLLATE ascii_bin,
  password_hash VARCHAR(255) NOT NULL DEFAULT '',
  details TEXT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL,
  invalidated_at DATETIME(6) NULL,
  UNIQUE KEY email_proofs_token_hash (token_hash),
  KEY email_proofs_user (user_id, purpose),
  KEY email_proofs_email (email_lower, purpose),
  CONSTRAINT email_proofs_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE email_proofs;
