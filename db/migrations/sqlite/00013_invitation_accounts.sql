-- +goose Up
CREATE TABLE invitation_accounts (
  invitation_id INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  PRIMARY KEY (invitation_id, account_id)
);
CREATE INDEX invitation_accounts_account ON invitation_accounts (account_id, invitation_id);
-- +goose Down
DROP TABLE invitation_accounts;
