-- Records keep their key order: json (stored as text) instead of jsonb (which reorders keys),
-- so nested objects such as addresses and merchantMetadata come back in Amazon's order.
alter table objects alter column record type json using record::json;
