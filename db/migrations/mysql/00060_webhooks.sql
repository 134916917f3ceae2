-- +goose Up
-- Outgoing webhooks: an organization's endpoints, the deliveries queued for
-- them in the same transaction as the change they report (the
-- transactional outbox), and every attempt made, for the delivery log.
CREATE TABLE webhook_endpoints (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  url VARCHAR(2000) NOT NULL,
  description VARCHAR(200) NOT NULL DEFAULT '',
  event_types TEXT NOT NULL,
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  secret VARCHAR(100) NOT NULL COLLATE ascii_bin,
  previous_secret VARCHAR(100) NULL COLLATE ascii_bin,
  previous_secret_expires_at DATETIME(6) NULL,
  failing_since DATETIME(6) NULL,
  disabled_at DATETIME(6) NULL,
  disabled_reason VARCHAR(500) NULL,
  created_by_id BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY webhook_endpoints_org (organization_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE webhook_deliveries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  endpoint_id BIGINT NOT NULL,
  message_id VARCHAR(64) NOT NULL COLLATE ascii_bin,
  event_type VARCHAR(64) NOT NULL,
  payload MEDIUMTEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NOT NULL,
  give_up_at DATETIME(6) NOT NULL,
  locked_by VARCHAR(100) NULL,
  locked_until DATETIME(6) NULL,
  last_attempt_at DATETIME(6) NULL,
  response_code INT NULL,
  latency_ms INT NULL,
  last_error VARCHAR(1000) NULL,
  delivered_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY webhook_deliveries_message (endpoint_id, message_id),
  KEY webhook_deliveries_due (status, next_attempt_at),
  KEY webhook_deliveries_done (status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE webhook_attempts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  delivery_id BIGINT NOT NULL,
  endpoint_id BIGINT NOT NULL,
  attempted_at DATETIME(6) NOT NULL,
  succeeded TINYINT(1) NOT NULL,
  response_code INT NULL,
  latency_ms INT NOT NULL,
  error VARCHAR(1000) NULL,
  KEY webhook_attempts_delivery (delivery_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- An invitation's expiry is derived from expires_at; invitation.expired is
-- raised once, by whichever node's sweeper marks it here first.
ALTER TABLE invitations ADD COLUMN expired_event_at DATETIME(6) NULL,
  ADD KEY invitations_expiry (status, expired_event_at, expires_at);
-- +goose Down
ALTER TABLE invitations DROP KEY invitations_expiry, DROP COLUMN expired_event_at;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
