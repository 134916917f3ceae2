-- +goose Up
-- MySQL widens audit_events.details to MEDIUMTEXT; SQLite's TEXT has no
-- length limit. Kept so both stores share version numbers.
SELECT 1;
-- +goose Down
SELECT 1;
