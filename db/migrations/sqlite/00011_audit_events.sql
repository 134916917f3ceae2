-- +goose Up
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  actor_id INTEGER NULL,
  target_user_id INTEGER NULL,
  target_email TEXT NULL,
  account_id INTEGER NULL,
  details TEXT NOT NULL,
  ip_address TEXT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX audit_org_id ON audit_events (organization_id, id);
CREATE INDEX audit_org_action ON audit_events (organization_id, action, id);
CREATE INDEX audit_org_actor ON audit_events (organization_id, actor_id, id);
CREATE INDEX audit_org_target ON audit_events (organization_id, target_user_id, id);
-- +goose Down
DROP TABLE audit_events;
