-- +goose Up
CREATE TABLE invitation_accounts (
  invitation_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  PRIMARY KEY (invitation_id, account_id),
  KEY invitation_accounts_account (account_id, invitation_id),
  CONSTRAINT invitation_accounts_invitation_fk FOREIGN KEY (invitation_id) REFERENCES invitations (id) ON DELETE CASCADE,
  CONSTRAINT invitation_accounts_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE invitation_accounts;
