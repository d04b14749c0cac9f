-- A value sealed under the master key when the database is first used (docs/CONFIGURATION.md):
-- a node started with another KASSE_MASTER_KEY cannot open it and refuses to start, instead of
-- reporting ready and failing every request. One row; the sealed text names no secret.
CREATE TABLE master_key_canary (
  id smallint PRIMARY KEY CHECK (id = 1),
  sealed text NOT NULL,
  created_at bigint NOT NULL
);
