-- +goose Up
CREATE TABLE organization_members (
  organization_id INTEGER NOT NULL REFERENCES organizations (id),
  user_id INTEGER NOT NULL REFERENCES users (id),
  created_at DATETIME NOT NULL,
  PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);
-- +goose Down
DROP TABLE organization_members;
