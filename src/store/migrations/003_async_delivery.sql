-- The asynchronous side (docs/async.md): durable URLNotify claims and the reconciliation of
-- pending Amazon outcomes.

-- A claim's token: only the worker holding the current lease may record the attempt, so a worker
-- that stalled past its lease cannot overwrite what the next claimant recorded.
ALTER TABLE notifications ADD COLUMN lease_token text;
-- The attempt count at the last admin resend: the retry schedule starts again from there.
ALTER TABLE notifications ADD COLUMN schedule_base integer NOT NULL DEFAULT 0;
-- The admin listing pages through a merchant's notifications newest first.
CREATE INDEX notifications_merchant ON notifications (merchant_id, notification_id DESC);

-- Reconciliation of pending outcomes (authorisation pending, capture initiated, refund
-- initiated): when Amazon is next asked, and how often it was asked. NULL = due one first delay
-- after the payment's last change. Written by the reconciliation job without touching `version`.
ALTER TABLE payments ADD COLUMN settle_next_at bigint;
ALTER TABLE payments ADD COLUMN settle_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX payments_unsettled ON payments (updated_at)
  WHERE credit_pending > 0 OR status IN ('AuthorizationPending', 'CapturePending');
