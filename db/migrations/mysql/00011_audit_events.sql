-- +goose Up
CREATE TABLE audit_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  action VARCHAR(64) NOT NULL,
  actor_id BIGINT NULL,
  target_user_id BIGINT NULL,
  target_email VARCHAR(320) NULL,
  account_id BIGINT NULL,
  details TEXT NOT NULL,
  ip_address VARCHAR(45) NULL,
  created_at DATETIME(6) NOT NULL,
  KEY audit_org_id (organization_id, id),
  KEY audit_org_action (organization_id, action, id),
  KEY audit_org_actor (organization_id, actor_id, id),
  KEY audit_org_target (organization_id, target_user_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE audit_events;
