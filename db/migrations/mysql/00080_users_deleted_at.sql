-- +goose Up
-- deleteMyAccount keeps a deleted person's row as a tombstone: its id stays
-- the pseudonymous reference of the audit log (actor, target), its personal
-- fields are emptied and its email becomes deleted-<id>@invalid. deleted_at
-- is when that happened; NULL for everyone else. The indexes find, across
-- organizations, the audit events by or about the person and the
-- invitations they accepted, which the erasure rewrites.
ALTER TABLE users ADD COLUMN deleted_at DATETIME(6) NULL;
CREATE INDEX audit_target_user ON audit_events (target_user_id);
CREATE INDEX audit_actor ON audit_events (actor_id);
CREATE INDEX invitations_accepted_user ON invitations (accepted_user_id);
-- +goose Down
DROP INDEX invitations_accepted_user ON invitations;
DROP INDEX audit_actor ON audit_events;
DROP INDEX audit_target_user ON audit_events;
ALTER TABLE users DROP COLUMN deleted_at;
