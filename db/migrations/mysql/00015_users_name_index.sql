-- +goose Up
-- The members directory's default order (first name, last name) reads
-- people in this index's order and stops after a page, instead of sorting
-- every member of a large account. The column collation is case-insensitive.
CREATE INDEX users_name ON users (first_name, last_name, id);
-- +goose Down
DROP INDEX users_name ON users;
