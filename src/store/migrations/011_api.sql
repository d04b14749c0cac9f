-- The JSON API door (/api/v1, docs/api.md): merchant API keys, idempotent actions, the request
-- log, CORS origins per merchant, and what the payment timeline needs that was not recorded yet
-- (each URLNotify delivery attempt with the shop's answer, the IPNs received).

-- Merchant API keys: only the SHA-256 of the key is kept (a 256-bit random key needs no slow
-- KDF); the key itself is shown once, at creation. `prefix` lets a person recognise a key.
CREATE TABLE api_keys (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  key_id text NOT NULL,
  key_hash text NOT NULL,
  prefix text NOT NULL,
  role text NOT NULL CHECK (role IN ('merchantAdmin', 'merchantStaff', 'merchantViewer')),
  label text NOT NULL,
  created_by text NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint,
  last_used_at bigint,
  PRIMARY KEY (merchant_id, key_id)
);
-- Authentication looks a presented key up by its hash, across merchants.
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);

-- Idempotency-Key of capture/refund/cancel: the first request's fingerprint and its answer, so
-- the same key with the same request answers the same, and with another request is refused.
CREATE TABLE api_idempotency (
  merchant_id text NOT NULL,
  idempotency_key text NOT NULL,
  fingerprint text NOT NULL,
  pay_id text NOT NULL,
  -- NULL while the first request runs.
  status_code integer,
  response jsonb,
  created_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, idempotency_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (merchant_id, created_at);

-- The request log: method, path (no query string), status, duration, who, which PayID — never a
-- body or a header. Pruned by age and by count per merchant (src/api/request-log.ts).
CREATE TABLE api_request_log (
  merchant_id text NOT NULL,
  log_id bigint GENERATED ALWAYS AS IDENTITY,
  method text NOT NULL,
  path text NOT NULL,
  status_code integer NOT NULL,
  duration_ms integer NOT NULL,
  actor text NOT NULL,
  pay_id text,
  created_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, log_id)
);
CREATE INDEX api_request_log_created ON api_request_log (created_at);

-- Browser origins allowed to call the API for a merchant (CORS, seed 002); exact origins only.
CREATE TABLE api_cors_origins (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  origin text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, origin)
);
-- A preflight carries no credentials: it is answered for an origin some merchant allows.
CREATE INDEX api_cors_origins_origin ON api_cors_origins (origin);

-- Keyset pagination of the payment list: newest first by (created_at, pay_id), per merchant and
-- across merchants for an operator.
CREATE INDEX payments_listing ON payments (merchant_id, created_at DESC, pay_id DESC);
CREATE INDEX payments_listing_all ON payments (created_at DESC, pay_id DESC);

-- Each URLNotify delivery attempt and the shop's answer (the outbox row keeps only the last).
CREATE TABLE notification_attempts (
  merchant_id text NOT NULL,
  notification_id bigint NOT NULL,
  attempt integer NOT NULL,
  delivered boolean NOT NULL,
  http_status integer,
  error text,
  attempted_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, notification_id, attempt)
);

-- Amazon IPNs received and verified, one row per payment they concern (NULL: none of ours).
CREATE TABLE ipn_received (
  merchant_id text NOT NULL,
  ipn_id bigint GENERATED ALWAYS AS IDENTITY,
  pay_id text,
  message_id text NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  notification_type text NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, ipn_id)
);
CREATE INDEX ipn_received_payment ON ipn_received (merchant_id, pay_id);

-- Signed webhooks of the JSON API door (docs/api.md): endpoints per merchant, each with its
-- secret (sealed like the merchant secrets, since signing needs it) and, after a roll, the
-- previous secret until `previous_until`. `cursor` is the last URLNotify outbox row this endpoint
-- has taken its events from: webhooks are a second consumer of the same domain events.
CREATE TABLE webhook_endpoints (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  endpoint_id text NOT NULL,
  url text NOT NULL,
  secret_enc text NOT NULL,
  previous_secret_enc text,
  previous_until bigint,
  cursor bigint NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, endpoint_id)
);

-- One row per (endpoint, event): the JSON body fixed when the event was taken, delivered with
-- the URLNotify retry schedule under a lease, like the notify outbox.
CREATE TABLE webhook_deliveries (
  merchant_id text NOT NULL,
  delivery_id bigint GENERATED ALWAYS AS IDENTITY,
  endpoint_id text NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  pay_id text NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  schedule_base integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  lease_until bigint,
  lease_token text,
  last_http_status integer,
  last_error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, delivery_id),
  UNIQUE (merchant_id, endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
