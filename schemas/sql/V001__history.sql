-- spotstream history, version 1: what prices were seen, what risk was scored, what was decided,
-- what AWS signalled, and what input was rejected. Applied once by spotstream at start-up
-- (src/storage/migrations.cpp records it in spotstream_schema_migrations); never edit a released
-- migration: add V002__*.sql instead.
--
-- Every table has a deterministic identity, so a replay after a crash (at-least-once delivery)
-- inserts nothing twice: spotstream writes through a staging table with ON CONFLICT DO NOTHING.
-- Times are timestamptz (UTC event time, never the wall clock). Published records are kept as
-- json, not jsonb: the text exactly as published (key order included), validated on insert, and
-- much cheaper to insert than jsonb (measured: the tick/risk mix ~1.5x faster); ->, ->> work on
-- json alike, and a query can cast to jsonb where it needs its operators or indexes. Identifiers that are keys or
-- indexed (pools, ids, kinds) are COLLATE "C": they compare as bytes, which is what an id needs
-- and much cheaper to index than a linguistic collation (measured: a fifth of risk_scores' insert
-- time under C.UTF-8).

-- One row per distinct price tick: tick_id = FNV-1a 64 of (pool, event time, price).
-- The primary key leads with ts, so inserts append to the right edge of the index (ticks arrive
-- roughly in time order) and it doubles as the time index.
CREATE TABLE price_ticks (
  ts              timestamptz      NOT NULL,
  tick_id         bigint           NOT NULL,
  region          text             NOT NULL,
  az              text             NOT NULL,
  instance_type   text             NOT NULL,
  product         text             NOT NULL,
  spot_price      double precision NOT NULL,
  on_demand_price double precision,
  PRIMARY KEY (ts, tick_id)
);
-- No per-pool index on purpose: ticks are the bulk of the history and a second B-tree over text
-- columns halves the insert rate (measured: bench/pg_sink.cpp, schemas/README.md). A pool's price
-- history is a time-range scan of the primary key filtered on the pool; a site that asks that
-- question often can add: CREATE INDEX ON price_ticks (az, instance_type, product, ts);

-- One row per spot.risk record: (pool, ts, model) is unique by construction.
CREATE TABLE risk_scores (
  pool              text COLLATE "C" NOT NULL,
  ts                timestamptz      NOT NULL,
  model             text COLLATE "C" NOT NULL,
  region            text             NOT NULL,
  az                text             NOT NULL,
  instance_type     text             NOT NULL,
  product           text             NOT NULL,
  crash_probability double precision NOT NULL,
  stability         double precision NOT NULL,
  label             text             NOT NULL,
  record            json             NOT NULL,  -- the spot.risk record as published (features, band, assumptions)
  PRIMARY KEY (pool, ts, model)                -- also serves "latest risk per pool" (backward scan)
);
CREATE INDEX risk_scores_ts ON risk_scores USING brin (ts);

-- One row per decision: decision_id is the deterministic id published on spot.decisions.
CREATE TABLE decisions (
  decision_id   text COLLATE "C" PRIMARY KEY,
  ts            timestamptz NOT NULL,
  kind          text COLLATE "C" NOT NULL,  -- STAY, SWITCH, DRAIN, EVACUATE
  fleet         text        NOT NULL,
  node_id       text COLLATE "C" NOT NULL,
  instance_id   text        NOT NULL,
  pool          text        NOT NULL,
  target        text,                  -- target pool for SWITCH; null otherwise
  model         text        NOT NULL,
  reason        text        NOT NULL,
  record        json        NOT NULL   -- the decision as published on spot.decisions
);
-- Decisions per node over time.
CREATE INDEX decisions_node_ts ON decisions (node_id, ts);
-- Decisions per kind per (UTC) day.
CREATE INDEX decisions_kind_day ON decisions (kind, (date_trunc('day', ts AT TIME ZONE 'UTC')));
CREATE INDEX decisions_ts ON decisions USING brin (ts);

-- One row per AWS signal: signal_id = FNV-1a 64 of (kind, action, instance, event time, action time).
CREATE TABLE signals (
  signal_id   bigint      PRIMARY KEY,
  ts          timestamptz NOT NULL,
  kind        text        NOT NULL,  -- interruption-notice, rebalance-recommendation
  action      text        NOT NULL,  -- terminate, stop, hibernate, none
  instance_id text COLLATE "C" NOT NULL,
  region      text,
  az          text,
  event_id    text,                  -- EventBridge id when the signal came through EventBridge
  action_time timestamptz,           -- when AWS will interrupt; null when unknown
  format      text        NOT NULL   -- eventbridge, imds-instance-action, imds-rebalance, canonical
);
CREATE INDEX signals_instance_ts ON signals (instance_id, ts);
CREATE INDEX signals_ts ON signals USING brin (ts);

-- One row per spot.dlq record: dlq_id = FNV-1a 64 of (source topic, partition, offset, reason, detail).
CREATE TABLE dead_letters (
  dlq_id           bigint      PRIMARY KEY,
  ts               timestamptz,          -- the source message's timestamp; null when it had none
  reason           text COLLATE "C" NOT NULL,
  detail           text        NOT NULL,
  source_topic     text        NOT NULL,
  source_partition integer     NOT NULL,
  source_offset    bigint      NOT NULL,
  key              bytea,
  payload          bytea       NOT NULL,  -- original bytes (up to decode.dlq_payload_max_bytes)
  payload_bytes    integer     NOT NULL,  -- original length
  truncated        boolean     NOT NULL
);
CREATE INDEX dead_letters_reason_ts ON dead_letters (reason, ts);
