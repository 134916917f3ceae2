-- +goose Up
-- One row that /readyz rewrites: readiness proves the store can write (a
-- full disk, a read-only file), not only that it answers.
CREATE TABLE store_probe (id INTEGER PRIMARY KEY, checked_at DATETIME NOT NULL);
INSERT INTO store_probe (id, checked_at) VALUES (1, '1970-01-01 00:00:00');
-- +goose Down
DROP TABLE store_probe;
