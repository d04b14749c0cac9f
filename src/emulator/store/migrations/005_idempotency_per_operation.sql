-- Amazon scopes an idempotency key per operation, not per merchant: its own SDK suite sends one
-- key with create session, create charge, capture, create report and create schedule, and the
-- live service accepts it. Rows stored before this migration get the operation their method
-- and path name, so a retry after the upgrade still finds its answer.
alter table idempotency add column operation text not null default '';
update idempotency set operation = case
  when method = 'POST' and path ~ ':checkoutSessions$' then 'createCheckoutSession'
  when method = 'POST' and path ~ ':checkoutSessions/[^/]+/complete$' then 'completeCheckoutSession'
  when method = 'POST' and path ~ ':checkoutSessions/[^/]+/finalize$' then 'finalizeCheckoutSession'
  when method = 'POST' and path ~ ':charges$' then 'createCharge'
  when method = 'POST' and path ~ ':charges/[^/]+/capture$' then 'captureCharge'
  when method = 'POST' and path ~ ':refunds$' then 'createRefund'
  when method = 'POST' and path ~ ':reports$' then 'createReport'
  when method = 'POST' and path ~ ':report-schedules$' then 'createReportSchedule'
  else method || ' ' || path
end;
alter table idempotency drop constraint idempotency_pkey;
alter table idempotency add primary key (merchant_id, operation, key);
alter table idempotency alter column operation drop default;
