-- Accounting (docs/accounting.md): Amazon Pay settlement reports, their lines, the double-entry
-- bookings made from them, the Kontierung rules and the DATEV export log. A reader of payments:
-- nothing here writes `payments`. Raw reports and bookings are append-only (GoBD): triggers refuse
-- UPDATE and DELETE, so a correction can only be a new (reversal) booking.

-- Per merchant: the version counter of the Kontierung rules (every change to either chart's rules
-- bumps it; a booking records the version it was made under) and the DATEV header settings.
CREATE TABLE accounting_settings (
  merchant_id text PRIMARY KEY REFERENCES merchants (merchant_id),
  rules_version integer NOT NULL DEFAULT 0,
  datev jsonb NOT NULL DEFAULT '{}',
  updated_at bigint NOT NULL
);

-- A merchant's rule set for one chart, effective from `version` on (insert-only). Without a row
-- the chart's default rule set (src/accounting/booking-rules.ts) applies.
CREATE TABLE accounting_rules (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  chart text NOT NULL CHECK (chart IN ('SKR03', 'SKR04')),
  version integer NOT NULL,
  rules jsonb NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, chart, version)
);

-- Every settlement report as downloaded: the bytes unchanged, their SHA-256, Amazon's ids.
CREATE TABLE settlement_reports (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  report_id text NOT NULL,
  report_document_id text NOT NULL,
  report_type text NOT NULL,
  created_time bigint NOT NULL,
  sha256 text NOT NULL,
  content bytea NOT NULL,
  fetched_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, report_id)
);

-- One settlement period (one report), with its control sums in minor units of `currency`.
CREATE TABLE settlements (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  settlement_id text NOT NULL,
  report_id text NOT NULL,
  seller_id text NOT NULL,
  currency text NOT NULL,
  period_start bigint NOT NULL,
  period_end bigint NOT NULL,
  line_count integer NOT NULL,
  gross bigint NOT NULL,
  fees bigint NOT NULL,
  net bigint NOT NULL,
  payout bigint NOT NULL,
  imported_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, settlement_id),
  UNIQUE (merchant_id, report_id),
  FOREIGN KEY (merchant_id, report_id) REFERENCES settlement_reports (merchant_id, report_id)
);

-- The report's lines as parsed (money signed from the merchant's view), and what each matched.
CREATE TABLE settlement_lines (
  merchant_id text NOT NULL,
  settlement_id text NOT NULL,
  line_no integer NOT NULL,
  posted_at bigint NOT NULL,
  transaction_type text NOT NULL,
  amazon_transaction_id text NOT NULL,
  seller_reference_id text NOT NULL,
  charge_permission_id text NOT NULL,
  seller_order_id text NOT NULL,
  description text NOT NULL,
  amount bigint NOT NULL,
  percentage_fee bigint NOT NULL,
  fixed_fee bigint NOT NULL,
  total_fee bigint NOT NULL,
  net bigint NOT NULL,
  match_kind text NOT NULL CHECK (match_kind IN ('payment', 'refund', 'chargeback', 'none')),
  pay_id text,
  -- What differs between the line and Kasse's record of it (amount, state), or NULL.
  match_note text,
  PRIMARY KEY (merchant_id, settlement_id, line_no),
  FOREIGN KEY (merchant_id, settlement_id) REFERENCES settlements (merchant_id, settlement_id)
);

-- Double-entry bookings, chart-neutral: accounts are roles (amazonPay, fees, …) resolved to
-- account numbers at export with the rule set in force at `rules_version`. Amounts are positive;
-- the debit role is DATEV's Konto, the credit role its Gegenkonto. `reverses` marks a
-- Generalumkehr of an earlier booking (a correction; the original stays).
CREATE TABLE bookings (
  merchant_id text NOT NULL,
  booking_id bigint GENERATED ALWAYS AS IDENTITY,
  settlement_id text NOT NULL,
  line_no integer NOT NULL,
  leg text NOT NULL CHECK (leg IN ('amount', 'fee')),
  kind text NOT NULL,
  booking_day integer NOT NULL,
  posted_at bigint NOT NULL,
  debit_role text NOT NULL,
  credit_role text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  document_ref text NOT NULL,
  amazon_transaction_id text NOT NULL,
  charge_permission_id text NOT NULL,
  seller_order_id text NOT NULL,
  pay_id text,
  rules_version integer NOT NULL,
  reverses bigint,
  created_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, booking_id),
  FOREIGN KEY (merchant_id, settlement_id, line_no) REFERENCES settlement_lines (merchant_id, settlement_id, line_no)
);
-- The export reads a merchant's bookings by day in keyset pages.
CREATE INDEX bookings_day ON bookings (merchant_id, booking_day, booking_id);
CREATE INDEX bookings_settlement ON bookings (merchant_id, settlement_id, line_no);

-- Every DATEV export handed out: what it selected (so it can be rebuilt byte for byte), the
-- header settings it used, and the SHA-256 of each part (≤ 99,999 rows each).
CREATE TABLE accounting_exports (
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  export_id bigint GENERATED ALWAYS AS IDENTITY,
  chart text NOT NULL CHECK (chart IN ('SKR03', 'SKR04')),
  from_day integer NOT NULL,
  to_day integer NOT NULL,
  max_booking_id bigint NOT NULL,
  reexport boolean NOT NULL,
  datev jsonb NOT NULL,
  row_count integer NOT NULL,
  rows_per_file integer NOT NULL CHECK (rows_per_file BETWEEN 1 AND 99999),
  part_hashes jsonb NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (merchant_id, export_id)
);

-- The import worker's schedule per merchant, and the newest report time seen (Amazon's clock).
CREATE TABLE settlement_import_state (
  merchant_id text PRIMARY KEY REFERENCES merchants (merchant_id),
  next_run_at bigint NOT NULL,
  checkpoint bigint,
  last_run_at bigint,
  last_error text
);
CREATE INDEX settlement_import_due ON settlement_import_state (next_run_at);

CREATE FUNCTION accounting_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (GoBD): correct with a reversal booking', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER bookings_append_only BEFORE UPDATE OR DELETE ON bookings
  FOR EACH ROW EXECUTE FUNCTION accounting_append_only();
CREATE TRIGGER settlement_reports_append_only BEFORE UPDATE OR DELETE ON settlement_reports
  FOR EACH ROW EXECUTE FUNCTION accounting_append_only();
