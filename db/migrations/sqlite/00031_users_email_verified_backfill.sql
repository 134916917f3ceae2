-- +goose Up
-- Existing identities count as proven only where the database holds the
-- proof: an accepted invitation whose link was mailed to the login email
-- itself, or a confirmed email change to it. Sign-up proved nothing under
-- the old rules, and an invitation mailed to another address proved only
-- that address.
UPDATE users SET email_verified_at = COALESCE(
  (SELECT MIN(i.accepted_at) FROM invitations i
    WHERE i.accepted_user_id = users.id AND i.email_lower = users.email_lower AND i.accepted_at IS NOT NULL
      AND (i.communication_email IS NULL OR LOWER(i.communication_email) = users.email_lower)),
  (SELECT MIN(c.used_at) FROM email_changes c
    WHERE c.user_id = users.id AND c.new_email_lower = users.email_lower AND c.used_at IS NOT NULL))
WHERE email_verified_at IS NULL;
-- +goose Down
UPDATE users SET email_verified_at = NULL;
