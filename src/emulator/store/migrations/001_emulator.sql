-- The Amazon Pay v2 emulator's whole state. Times of emulated events are epoch milliseconds
-- on the emulated clock (bigint); created_at columns that only serve operators use now().

create table merchants (
  merchant_id text primary key,
  region text not null check (region in ('eu', 'na', 'jp')),
  ledger_currency text not null,
  name text not null,
  store_id text not null unique,
  ipn_url text,
  created_at timestamptz not null default now()
);

create table public_keys (
  public_key_id text primary key,
  merchant_id text not null references merchants (merchant_id),
  -- null: legacy id, valid in both environments (the path says which); else env-specific.
  environment text check (environment in ('sandbox', 'live')),
  public_key_pem text not null,
  created_at timestamptz not null default now()
);
create index public_keys_merchant on public_keys (merchant_id);

-- Checkout sessions, charge permissions, charges, refunds, buyer tokens.
-- kind: 'CheckoutSession' | 'ChargePermission' | 'Charge' | 'Refund' | 'BuyerToken'.
-- record: the engine's internal record (amounts in minor units); body: the wire object as
-- Amazon would return it at updated_at (for readers such as reports; jsonb does not keep key
-- order, so the API renders from record, never from body).
create table objects (
  kind text not null,
  id text not null,
  merchant_id text not null references merchants (merchant_id),
  environment text not null check (environment in ('sandbox', 'live')),
  parent_id text,
  state text not null,
  record jsonb not null,
  body jsonb not null,
  -- emulated ms of the next timer (expiry, pending outcome), null when none is pending.
  due_at bigint,
  created_at bigint not null,
  updated_at bigint not null,
  primary key (kind, id)
);
create index objects_merchant on objects (merchant_id, kind);
create index objects_parent on objects (parent_id);
create index objects_due on objects (due_at) where due_at is not null;

create table idempotency (
  merchant_id text not null,
  key text not null,
  method text not null,
  path text not null,
  body_hash text not null,
  status integer not null,
  response text not null,
  created_at timestamptz not null default now(),
  primary key (merchant_id, key)
);

-- Emulated now = real now + offset_ms. One row.
create table clock (
  id boolean primary key default true check (id),
  offset_ms bigint not null default 0
);
insert into clock (id, offset_ms) values (true, 0);

-- IPNs to send; inserted in the same transaction as the state change they announce.
create table ipn_outbox (
  id bigserial primary key,
  merchant_id text not null,
  environment text not null default 'sandbox',
  object_type text not null check (object_type in ('CHARGE', 'REFUND', 'CHARGE_PERMISSION', 'CHARGEBACK')),
  object_id text not null,
  charge_permission_id text not null,
  notification_type text not null check (notification_type in ('STATE_CHANGE', 'ATTRIBUTE_CHANGE')),
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now()
);
create index ipn_outbox_pending on ipn_outbox (next_attempt_at) where delivered_at is null;
