-- +goose Up
-- When the person proved their login email by following a link sent to it;
-- NULL while unproven. An unproven login email never blocks the address's
-- real owner from claiming it (docs/security.md, "Proven addresses").
ALTER TABLE users ADD COLUMN email_verified_at DATETIME(6) NULL;
-- +goose Down
ALTER TABLE users DROP COLUMN email_verified_at;
