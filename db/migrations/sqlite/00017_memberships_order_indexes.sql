-- +goose Up
CREATE INDEX memberships_account_role ON memberships (account_id, role_rank, user_id);
CREATE INDEX memberships_account_joined ON memberships (account_id, created_at, user_id);
-- +goose Down
DROP INDEX memberships_account_role;
DROP INDEX memberships_account_joined;
