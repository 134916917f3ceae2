-- +goose Up
-- The transactional outbox: a message row is written in the same transaction
-- as the change that causes it; the delivery worker leases and sends it.
CREATE TABLE outbox_messages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(64) NOT NULL,
  to_address VARCHAR(320) NOT NULL,
  subject VARCHAR(500) NOT NULL,
  text_body MEDIUMTEXT NOT NULL,
  html_body MEDIUMTEXT NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NOT NULL,
  locked_by VARCHAR(100) NULL,
  locked_until DATETIME(6) NULL,
  sent_at DATETIME(6) NULL,
  last_error VARCHAR(1000) NULL,
  created_at DATETIME(6) NOT NULL,
  KEY outbox_due (sent_at, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE outbox_messages;
