-- +goose Up
CREATE INDEX users_name ON users (first_name COLLATE NOCASE, last_name COLLATE NOCASE, id);
-- +goose Down
DROP INDEX users_name;
