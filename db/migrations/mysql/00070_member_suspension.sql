-- +goose Up
-- A person suspended in an organization (suspendMember) keeps their
-- memberships and data there but has no access until reactivated:
-- suspended_at is set while they are suspended, suspended_by is who did it.
-- The directory's scope reads (organization_id, user_id) by primary key, so
-- no index is needed.
ALTER TABLE organization_members
  ADD COLUMN suspended_at DATETIME(6) NULL,
  ADD COLUMN suspended_by BIGINT NULL;
-- +goose Down
ALTER TABLE organization_members
  DROP COLUMN suspended_by,
  DROP COLUMN suspended_at;
