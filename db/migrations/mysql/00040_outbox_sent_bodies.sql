-- +goose Up
-- Delivered messages keep no bodies: their links carry live tokens. Rows sent
-- before the worker emptied them on delivery are emptied here.
UPDATE outbox_messages SET text_body = '', html_body = '' WHERE sent_at IS NOT NULL;
-- +goose Down
-- The bodies are gone for good; nothing to restore.
SELECT 1;
