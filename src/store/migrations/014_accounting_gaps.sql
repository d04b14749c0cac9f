-- Gaps between imported settlement periods (docs/accounting.md "Gaps"), found at each import or
-- upload and kept here, so listings, the back office and /metrics read one row per merchant
-- instead of searching the merchant's operations at every page view or scrape.
ALTER TABLE settlement_import_state ADD COLUMN period_gaps jsonb NOT NULL DEFAULT '[]'::jsonb;
