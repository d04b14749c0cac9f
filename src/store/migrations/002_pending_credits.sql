-- The refund poll looks for payments with refunds Amazon has not settled yet, across merchants
-- (a worker's job, like the notification claim); a partial index keeps that cheap.
CREATE INDEX payments_credit_pending ON payments (updated_at) WHERE credit_pending > 0;
