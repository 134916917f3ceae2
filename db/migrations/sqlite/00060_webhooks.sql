-- +goose Up
CREATE TABLE webhook_endpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  event_types TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  secret TEXT NOT NULL,
  previous_secret TEXT NULL,
  previous_secret_expires_at DATETIME NULL,
  failing_since DATETIME NULL,
  disabled_at DATETIME NULL,
  disabled_reason TEXT NULL,
  created_by_id INTEGER NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (organization_id, id);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL,
  endpoint_id INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at DATETIME NOT NULL,
  give_up_at DATETIME NOT NULL,
  locked_by TEXT NULL,
  locked_until DATETIME NULL,
  last_attempt_at DATETIME NULL,
  response_code INTEGER NULL,
  latency_ms INTEGER NULL,
  last_error TEXT NULL,
  delivered_at DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_message ON webhook_deliveries (endpoint_id, message_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (status, created_at);
CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id INTEGER NOT NULL,
  endpoint_id INTEGER NOT NULL,
  attempted_at DATETIME NOT NULL,
  succeeded INTEGER NOT NULL,
  response_code INTEGER NULL,
  latency_ms INTEGER NOT NULL,
  error TEXT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
ALTER TABLE invitations ADD COLUMN expired_event_at DATETIME NULL;
CREATE INDEX invitations_expiry ON invitations (status, expired_event_at, expires_at);
-- +goose Down
DROP INDEX invitations_expiry;
ALTER TABLE invitations DROP COLUMN expired_event_at;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
