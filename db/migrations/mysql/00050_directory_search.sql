-- +goose Up
-- The members directory's search index: each word of a person's names and
-- login email, lower case and without accents, filed under its first three
-- letters, once per organization whose directory lists them. The key keeps
-- an organization's people under one prefix in the directory's default
-- order (first name, last name, id, in the users columns' collation), so a
-- search page is read in order and stops after a page; words holds the
-- person's words under the prefix (" maria marin "), for longer queries.
-- Maintained by the store with the users and organization_members rows.
CREATE TABLE directory_search (
  organization_id BIGINT NOT NULL,
  prefix VARCHAR(3) NOT NULL COLLATE utf8mb4_bin,
  first_name VARCHAR(100) NOT NULL,
  last_name VARCHAR(100) NOT NULL,
  user_id BIGINT NOT NULL,
  words VARCHAR(1000) NOT NULL COLLATE utf8mb4_bin,
  PRIMARY KEY (organization_id, prefix, first_name, last_name, user_id),
  UNIQUE KEY directory_search_user (user_id, organization_id, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- The version of the words in the index; the store rebuilds the index at
-- start when its own is newer (the first start after this migration too).
CREATE TABLE directory_search_state (
  id TINYINT NOT NULL PRIMARY KEY,
  version INT NOT NULL
);
INSERT INTO directory_search_state (id, version) VALUES (1, 0);
-- +goose Down
DROP TABLE directory_search_state;
DROP TABLE directory_search;
