-- +goose Up
-- Single-use links that prove an address: purpose 'login' proves the login
-- email, 'communication' sets a new communication email, 'claim' hands an
-- address held unproven by user_id to the person who signed up with it
-- (their chosen password hash and sign-up details wait here until then).
CREATE TABLE email_proofs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id),
  purpose TEXT NOT NULL,
  email TEXT NOT NULL,
  email_lower TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  password_stamp TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL DEFAULT '',
  details TEXT NULL,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  used_at DATETIME NULL,
  invalidated_at DATETIME NULL
);
CREATE UNIQUE INDEX email_proofs_token_hash ON email_proofs (token_hash);
CREATE INDEX email_proofs_user ON email_proofs (user_id, purpose);
CREATE INDEX email_proofs_email ON email_proofs (email_lower, purpose);
-- +goose Down
DROP TABLE email_proofs;
