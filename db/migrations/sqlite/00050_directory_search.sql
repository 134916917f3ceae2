-- +goose Up
-- The members directory's search index: each word of a person's names and
-- login email, lower case and without accents, filed under its first three
-- letters, once per organization whose directory lists them. The key keeps
-- an organization's people under one prefix in the directory's default
-- order (first name, last name, id, without case as the NAME order sorts
-- on SQLite), so a search page is read in order and stops after a page;
-- words holds the person's words under the prefix (" maria marin "), for
-- longer queries. Maintained by the store with the users and
-- organization_members rows.
CREATE TABLE directory_search (
  organization_id INTEGER NOT NULL,
  prefix TEXT NOT NULL,
  first_name TEXT NOT NULL COLLATE NOCASE,
  last_name TEXT NOT NULL COLLATE NOCASE,
  user_id INTEGER NOT NULL,
  words TEXT NOT NULL,
  PRIMARY KEY (organization_id, prefix, first_name, last_name, user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX directory_search_user ON directory_search (user_id, organization_id, prefix);
-- The version of the words in the index; the store rebuilds the index at
-- start when its own is newer (the first start after this migration too).
CREATE TABLE directory_search_state (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL
);
INSERT INTO directory_search_state (id, version) VALUES (1, 0);
-- +goose Down
DROP TABLE directory_search_state;
DROP TABLE directory_search;
