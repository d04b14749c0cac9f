-- Webhooks are the JSON API door's side of the payment steps' notifier port (docs/api.md): the
-- commit of a state change writes one `webhook_deliveries` row per active endpoint beside the
-- URLNotify row, so endpoints no longer read the URLNotify outbox from a position of their own.
ALTER TABLE webhook_endpoints DROP COLUMN cursor;
