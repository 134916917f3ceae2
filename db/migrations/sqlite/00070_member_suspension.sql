-- +goose Up
-- A person suspended in an organization (suspendMember) keeps their
-- memberships and data there but has no access until reactivated:
-- suspended_at is set while they are suspended, suspended_by is who did it.
ALTER TABLE organization_members ADD COLUMN suspended_at DATETIME NULL;
ALTER TABLE organization_members ADD COLUMN suspended_by INTEGER NULL;
-- +goose Down
ALTER TABLE organization_members DROP COLUMN suspended_by;
ALTER TABLE organization_members DROP COLUMN suspended_at;
