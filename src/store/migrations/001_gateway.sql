-- The gateway's schema (PostgreSQL dialect; runs on PGlite and PostgreSQL).
-- Every table carries merchant_id and it leads every primary key, so a distributed PostgreSQL
-- (Citus) can shard all of them by merchant_id and co-locate a merchant's rows (DESIGN §5).
-- Times are epoch milliseconds (bigint) from the injected clock; money is bigint minor units.

-- Merchants: Paygate shared secrets and the Amazon Pay link. Every *_enc column holds a value
-- sealed by src/gateway/secrets.ts (AES-256-GCM); plaintext secrets never reach the database.
CREATE TABLE merchants (
  merchant_id text PRIMARY KEY,
  name text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  hmac_key_enc text NOT NULL,
  blowfish_key_enc text NOT NULL,
  aes_key_enc text,
  amazon_environment text NOT NULL CHECK (amazon_environment IN ('emulator', 'sandbox', 'live')),
  amazon_region text NOT NULL CHECK (amazon_region IN ('eu', 'na', 'jp')),
  amazon_merchant_id text NOT NULL,
  amazon_store_id text NOT NULL,
  amazon_public_key_id text NOT NULL,
  amazon_private_key_enc text NOT NULL,
  -- e.g. {"canHandlePendingAuthorization": false, "ledgerCurrency": "EUR"}
  settings jsonb NOT NULL DEFAULT '{}',
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

-- Payments: the aggregate of src/core/payment.ts. Queryable fields are columns; the action
-- history (XIDs) is jsonb. `version` is the optimistic-concurrency counter: an update applies
-- only to the version it read.
CREATE TABLE payments (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  pay_id text NOT NULL,
  trans_id text NOT NULL,
  ref_nr text,
  currency text NOT NULL,
  tx_type text NOT NULL CHECK (tx_type IN ('Authorize', 'AuthorizeWithCapture')),
  checkout_mode text NOT NULL CHECK (checkout_mode IN ('Standard', 'ProcessOrder')),
  status text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  authorized bigint NOT NULL DEFAULT 0 CHECK (authorized >= 0),
  captured bigint NOT NULL DEFAULT 0 CHECK (captured >= 0 AND captured <= authorized),
  credited bigint NOT NULL DEFAULT 0 CHECK (credited >= 0),
  credit_pending bigint NOT NULL DEFAULT 0 CHECK (credit_pending >= 0),
  checkout_session_id text,
  charge_permission_id text,
  charge_id text,
  actions jsonb NOT NULL,
  -- What the pages keep with a payment for later answers (return URLs, UserData, Custom…).
  context jsonb NOT NULL DEFAULT '{}',
  version integer NOT NULL DEFAULT 1,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, pay_id)
);
CREATE INDEX payments_trans_id ON payments (merchant_id, trans_id);
CREATE INDEX payments_checkout_session ON payments (merchant_id, checkout_session_id);
CREATE INDEX payments_charge_permission ON payments (merchant_id, charge_permission_id);
CREATE INDEX payments_charge ON payments (merchant_id, charge_id);

-- One row per money-moving Amazon call, written (planned) before the call with the key derived
-- by src/core/idempotency.ts, so a retry or a restart sends the same key.
CREATE TABLE operations (
  merchant_id text NOT NULL,
  idempotency_key text NOT NULL,
  pay_id text NOT NULL,
  xid text NOT NULL,
  sequence integer NOT NULL,
  action text NOT NULL,
  amazon_operation text NOT NULL,
  request jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('planned', 'sent', 'succeeded', 'failed', 'unknown')),
  attempts integer NOT NULL DEFAULT 0,
  response jsonb,
  reason_code text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, idempotency_key),
  FOREIGN KEY (merchant_id, pay_id) REFERENCES payments (merchant_id, pay_id)
);
CREATE INDEX operations_payment ON operations (merchant_id, pay_id, sequence);
-- Recovery: operations whose outcome is not known yet.
CREATE INDEX operations_open ON operations (merchant_id, updated_at) WHERE state IN ('planned', 'sent', 'unknown');

-- ReqId replays (reference §4.1): per merchant, a ReqId answers what its first request did.
-- Kept 12 months (created_at), then forgotten.
CREATE TABLE req_ids (
  merchant_id text NOT NULL,
  req_id text NOT NULL,
  page text NOT NULL,
  pay_id text,
  xid text,
  -- The original answer's fields when it is not rebuilt from the payment (e.g. a refusal).
  answer jsonb,
  created_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, req_id)
);
CREATE INDEX req_ids_created ON req_ids (merchant_id, created_at);

-- URLNotify outbox, written in the same transaction as the state change that causes it.
-- (merchant_id, pay_id, xid, event) is unique: a duplicated Amazon IPN cannot notify twice.
CREATE TABLE notifications (
  merchant_id text NOT NULL,
  notification_id bigint GENERATED ALWAYS AS IDENTITY,
  pay_id text NOT NULL,
  xid text NOT NULL,
  event text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  lease_until bigint,
  last_error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, notification_id),
  UNIQUE (merchant_id, pay_id, xid, event)
);
-- The delivery worker claims due rows of all merchants (FOR UPDATE SKIP LOCKED).
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
