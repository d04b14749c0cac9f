-- The back office (src/web): accounts, server-side sessions, sign-in failures (the rate limit
-- holds across processes because it is counted here), the audit log, and each merchant's Amazon
-- credentials per environment, kept apart (the merchant's active link stays in `merchants`).

CREATE TABLE back_office_accounts (
  -- The sign-in name, stored lower-cased.
  account_id text PRIMARY KEY,
  display_name text NOT NULL,
  -- scrypt$N$r$p$salt$hash (src/web/password.ts)
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('operator', 'merchantAdmin', 'merchantStaff', 'merchantViewer')),
  merchant_id text REFERENCES merchants (merchant_id),
  active boolean NOT NULL DEFAULT true,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  CHECK ((role = 'operator') = (merchant_id IS NULL))
);

-- Only the SHA-256 of a session id is stored: a leaked table opens no session.
CREATE TABLE back_office_sessions (
  id_hash text PRIMARY KEY,
  account_id text NOT NULL REFERENCES back_office_accounts (account_id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  -- When this id replaced the previous one (sign-in or rotation).
  rotated_at bigint NOT NULL
);
CREATE INDEX back_office_sessions_account ON back_office_sessions (account_id);

CREATE TABLE back_office_sign_in_failures (
  id bigserial PRIMARY KEY,
  account_id text NOT NULL,
  ip text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX back_office_sign_in_failures_account ON back_office_sign_in_failures (account_id, at);
CREATE INDEX back_office_sign_in_failures_ip ON back_office_sign_in_failures (ip, at);

CREATE TABLE back_office_audit (
  id bigserial PRIMARY KEY,
  at bigint NOT NULL,
  -- The account, or `cli`/`demo` for what a command did.
  actor text NOT NULL,
  merchant_id text,
  action text NOT NULL,
  target text,
  outcome text NOT NULL,
  ip text,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX back_office_audit_merchant ON back_office_audit (merchant_id, at);

CREATE TABLE merchant_amazon_credentials (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  environment text NOT NULL CHECK (environment IN ('emulator', 'sandbox', 'live')),
  region text NOT NULL CHECK (region IN ('eu', 'na', 'jp')),
  amazon_merchant_id text NOT NULL,
  store_id text NOT NULL,
  public_key_id text NOT NULL,
  private_key_enc text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, environment)
);
