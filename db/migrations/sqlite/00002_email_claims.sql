-- +goose Up
CREATE TABLE email_claims (
  email_lower TEXT NOT NULL PRIMARY KEY,
  user_id INTEGER NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX email_claims_user ON email_claims (user_id);
-- +goose Down
DROP TABLE email_claims;
