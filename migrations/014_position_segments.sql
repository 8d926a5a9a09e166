-- Compact position history (issue 15): positions older than an hour are
-- moved from the positions table (about 128 bytes a fix with its index)
-- into one segment per volunteer per UTC hour, delta-encoded by package
-- segment (about 7 bytes a fix). The trail and replay read both, so the
-- move is invisible to them. A fix that arrives after its hour was
-- compacted is merged into that hour's segment by the next compaction.
CREATE TABLE position_segments (
    volunteer_id bigint NOT NULL,
    hour         timestamptz NOT NULL,          -- the UTC hour the fixes were taken in
    first_at     timestamptz NOT NULL,
    last_at      timestamptz NOT NULL,
    n            integer NOT NULL CHECK (n > 0),
    data         bytea NOT NULL,                -- segment.Encode, oldest first
    PRIMARY KEY (volunteer_id, hour),
    CHECK (date_trunc('hour', hour) = hour AND first_at >= hour AND last_at < hour + interval '1 hour' AND first_at <= last_at)
);
-- The varint bytes do not compress: keep them out of pglz.
ALTER TABLE position_segments ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX position_segments_hour ON position_segments (hour);
