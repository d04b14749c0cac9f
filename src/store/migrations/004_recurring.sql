-- Recurring payments (docs/recurring.md).

-- An RTF=R charge is a payment of its own (own PayID) whose completion is Amazon's Create Charge.
ALTER TABLE payments DROP CONSTRAINT payments_checkout_mode_check;
ALTER TABLE payments ADD CONSTRAINT payments_checkout_mode_check
  CHECK (checkout_mode IN ('Standard', 'ProcessOrder', 'MerchantInitiated'));

-- Subscriptions Kasse runs itself on a recurring charge permission: one due charge (RTF=R) per
-- cycle, soft declines retried with backoff, dunning notifications and a pause otherwise.
-- `cycle` is the cycle being charged (1 = first due date), `attempt` the attempts made on it
-- (each attempt's ReqId is derived from cycle and attempt, so no attempt number is used twice).
CREATE TABLE subscriptions (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  subscription_id text NOT NULL,
  charge_permission_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  country_code text NOT NULL,
  tx_type text NOT NULL CHECK (tx_type IN ('Authorize', 'AuthorizeWithCapture')),
  interval_unit text NOT NULL CHECK (interval_unit IN ('Year', 'Month', 'Week', 'Day')),
  interval_value integer NOT NULL CHECK (interval_value > 0),
  first_due_at bigint NOT NULL,
  retry_delays_ms jsonb NOT NULL,
  notify_url text NOT NULL,
  -- Sandbox/emulator merchants only: a simulation code sent with every due charge.
  simulation_code text,
  status text NOT NULL CHECK (status IN ('active', 'paused', 'canceled')),
  cycle integer NOT NULL DEFAULT 1,
  attempt integer NOT NULL DEFAULT 0,
  -- `attempt` at the last resume: the retry policy counts from here, ReqIds from 0.
  attempt_base integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  lease_until bigint,
  paused_reason text,
  last_pay_id text,
  last_result text,
  last_reason_code text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, subscription_id)
);
-- The due-charge worker claims due rows of all merchants (FOR UPDATE SKIP LOCKED).
CREATE INDEX subscriptions_due ON subscriptions (next_attempt_at) WHERE status = 'active';
CREATE INDEX subscriptions_permission ON subscriptions (merchant_id, charge_permission_id);
