-- The reconciliation job's stored schedule for calls whose outcome stays unknown (docs/async.md,
-- "Cut calls"): `attempts` counts the job's tries, `next_attempt_at` is when it tries next (its
-- lease, too), `given_up_at` when it stopped after the last try; an operator resumes such a call
-- by hand (POST /api/admin/merchants/{id}/operations/{key}/resume), and inquire, ReqId replays and
-- the buyer's reload still resume it.
ALTER TABLE operations ADD COLUMN next_attempt_at bigint;
ALTER TABLE operations ADD COLUMN given_up_at bigint;
CREATE INDEX operations_given_up ON operations (given_up_at) WHERE given_up_at IS NOT NULL AND state IN ('planned', 'sent', 'unknown');
