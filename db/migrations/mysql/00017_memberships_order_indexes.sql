-- +goose Up
-- Role and joined orders of an account's members, read in index order.
CREATE INDEX memberships_account_role ON memberships (account_id, role_rank, user_id);
CREATE INDEX memberships_account_joined ON memberships (account_id, created_at, user_id);
-- +goose Down
DROP INDEX memberships_account_role ON memberships;
DROP INDEX memberships_account_joined ON memberships;
