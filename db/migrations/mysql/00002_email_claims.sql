-- +goose Up
-- Every login email ever held by an identity: a login email is never reused
-- by another identity once taken (SPEC §1), even after its owner changed it.
CREATE TABLE email_claims (
  email_lower VARCHAR(320) NOT NULL COLLATE utf8mb4_bin PRIMARY KEY,
  user_id BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY email_claims_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE email_claims;
