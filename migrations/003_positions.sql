-- Volunteers' positions, the latest position of each, and the durable
-- stream of live events.

-- Every reported position, kept for playback and audit and written in
-- batches with COPY. Partitioned by day so that retention drops whole
-- tables instead of deleting rows. The domain's day is the Asia/Shanghai
-- day, but partitions are UTC days ([00:00Z, 24:00Z)) so that their names
-- and bounds never depend on a time zone setting; a local day spans two
-- partitions, which pruning handles, and retention keeps at most eight
-- extra hours. Partitions are named positions_YYYYMMDD and made ahead of
-- the writes by store.EnsurePositionPartitions. There is deliberately no
-- DEFAULT partition: rows there would escape retention, and every new day's
-- partition would have to scan it.
--
-- No foreign keys on this hot table: ingest validates the volunteer (and
-- the grid comes from the in-memory index), and an FK check per row would
-- cost a lookup in people for each of thousands of rows a second. No
-- primary key either: a unique key would make one resent fix fail a whole
-- COPY batch; playback tolerates a duplicate.
CREATE TABLE positions (
    volunteer_id bigint NOT NULL,
    at           timestamptz NOT NULL,             -- when the phone took the fix
    received_at  timestamptz NOT NULL DEFAULT now(), -- when the server wrote it
    lon          float8 NOT NULL,                  -- WGS84, converted at ingest
    lat          float8 NOT NULL,
    accuracy     real,                             -- metres, NULL when unknown
    grid_id      bigint,                           -- level-3 grid, NULL outside all
    CHECK (lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90)
) PARTITION BY RANGE (at);
-- Made on the parent, so every partition gets its own copy: one
-- volunteer's trail is an index range scan in each day it touches.
CREATE INDEX positions_volunteer_at ON positions (volunteer_id, at);

-- The newest position of each volunteer, upserted with every batch (newer
-- fixes win, so a late batch cannot move a marker back). The map's first
-- snapshot reads only this small table. One row per volunteer keeps the FK
-- cheap.
CREATE TABLE latest_positions (
    volunteer_id bigint PRIMARY KEY REFERENCES people (id),
    at           timestamptz NOT NULL,
    lon          float8 NOT NULL,
    lat          float8 NOT NULL,
    accuracy     real,
    grid_id      bigint,
    received_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90)
);
CREATE INDEX latest_positions_grid ON latest_positions (grid_id);

-- Live events (positions, geofence, screening, coverage, alerts, boundary
-- publications) with one global sequence number, so that a WebSocket
-- client that reconnects with the last seq it saw is sent what it missed.
-- Numbers are drawn by store.AppendEvents under an advisory lock held to
-- commit, so they become visible in order: a reader that sees seq n has
-- seen every committed seq below n. Rolled-back batches leave gaps, which
-- are harmless. No foreign keys: events outlive the rows they mention and
-- are only ever read back whole.
CREATE SEQUENCE live_event_seq AS bigint;
CREATE TABLE live_events (
    seq          bigint PRIMARY KEY,
    at           timestamptz NOT NULL,
    topic        text NOT NULL CHECK (topic IN ('positions', 'geofence', 'screening', 'coverage', 'alerts', 'boundaries')),
    grid_id      bigint, -- the grid the event concerns, for scoped delivery
    volunteer_id bigint,
    payload      jsonb NOT NULL
);
CREATE INDEX live_events_at ON live_events (at);
CREATE INDEX live_events_grid ON live_events (grid_id, seq);
