-- IPN delivery (src/emulator/ipn/) and reports (src/emulator/reports/).

-- The emulator's SNS signing key and certificate, created once (one row).
create table sns_signing_identity (
  id boolean primary key default true check (id),
  certificate_pem text not null,
  private_key_pem text not null,
  created_at timestamptz not null default now()
);

-- SignatureVersion per merchant; null = the emulator's configured default.
alter table merchants add column ipn_signature_version text check (ipn_signature_version in ('1', '2'));

-- next_attempt_at is compared with the emulated clock (real now + offset), so retries follow
-- POST /__admin/clock. envelope: the signed SNS body, fixed at the first attempt so that every
-- retry and duplicate carries the same MessageId, Timestamp and Signature, as SNS does.
-- outcome: null while pending; 'delivered', 'dropped' (fault injection: never sent) or
-- 'abandoned' (retries exhausted or no usable endpoint). lease_until (real time): a worker
-- that claimed the row is sending it; others skip it until then (a crashed worker's lease lapses).
alter table ipn_outbox add column envelope text;
alter table ipn_outbox add column lease_until timestamptz;
alter table ipn_outbox add column outcome text check (outcome in ('delivered', 'dropped', 'abandoned'));
alter table ipn_outbox add column last_status integer;
alter table ipn_outbox add column last_error text;

-- Reports (reference/amazon-pay-v2.md §13). Times are emulated epoch milliseconds.
-- settlement_start: the settlement period an automatic report covers (null for requested ones).
create table reports (
  report_id text primary key,
  merchant_id text not null references merchants (merchant_id),
  environment text not null check (environment in ('sandbox', 'live')),
  report_type text not null,
  start_time bigint not null,
  end_time bigint not null,
  created_time bigint not null,
  processing_status text not null check (processing_status in ('IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED')),
  processing_start_time bigint,
  processing_end_time bigint,
  report_document_id text unique,
  document text,
  settlement_start bigint,
  unique (merchant_id, environment, report_type, settlement_start)
);
create index reports_listing on reports (merchant_id, environment, created_time desc, report_id);

create table report_schedules (
  report_schedule_id text primary key,
  merchant_id text not null references merchants (merchant_id),
  environment text not null check (environment in ('sandbox', 'live')),
  report_type text not null,
  schedule_frequency text not null,
  next_report_creation_time bigint not null,
  unique (merchant_id, environment, report_type)
);
