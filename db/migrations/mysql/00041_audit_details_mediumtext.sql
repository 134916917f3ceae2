-- +goose Up
-- Audit details list what an action touched (an invitation's accounts, before
-- and after): TEXT (64 KiB) was too small for an invitation over 45 accounts
-- with long names. The service bounds details to 64 KiB of JSON; MEDIUMTEXT
-- leaves room for the bound to grow without another migration.
ALTER TABLE audit_events MODIFY details MEDIUMTEXT NOT NULL;
-- +goose Down
ALTER TABLE audit_events MODIFY details TEXT NOT NULL;
