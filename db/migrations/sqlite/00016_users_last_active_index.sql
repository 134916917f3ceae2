-- +goose Up
CREATE INDEX users_last_active ON users (last_active_at, id);
-- +goose Down
DROP INDEX users_last_active;
