-- Gaps between imported settlement periods (docs/accounting.md "Gaps"), counted at each import or
-- upload, so /metrics reads one row per merchant instead of recomputing them at every scrape.
ALTER TABLE settlement_import_state ADD COLUMN period_gaps integer NOT NULL DEFAULT 0;
