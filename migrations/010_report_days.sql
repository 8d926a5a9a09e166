-- The day's report of a closed day (issue 14): each compound grid's
-- figures at the end of the day, the field work done in it that day and
-- its screened households as the week's trend counts them, counted once
-- after the day was over and kept, so that a past day's report, the
-- trend of every later report and /api/coverage?day= read 50,000 rows
-- instead of sorting millions of screenings each time. report_days says
-- which days are kept; a write that changes a closed day's figures (a
-- visit logged for an earlier day) deletes the days from its own on, in
-- its transaction, after bumping report_epoch, which the count of a day
-- touches last, so a count that could not see such a write fails to keep
-- its figures instead of keeping stale ones.
CREATE TABLE report_days (
    day        date PRIMARY KEY,
    counted_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE report_epoch (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    epoch bigint NOT NULL DEFAULT 0
);
INSERT INTO report_epoch DEFAULT VALUES;

-- One row per compound grid counted, worked in or screened that day.
-- counted: the grid existed at the day's end, so the coverage figures
-- (households … open_requests) are its; the activity columns are
-- store.Activity; trend_screened is store.ScreenedByDay's count. Rows of
-- a day not in report_days are left-overs of an invalidated count and
-- are replaced when it is counted again.
CREATE TABLE report_day_grids (
    day               date NOT NULL,
    grid_id           bigint NOT NULL,
    counted           boolean NOT NULL,
    households        bigint NOT NULL,
    excluded          bigint NOT NULL,
    with_contact      bigint NOT NULL,
    buildings         bigint NOT NULL,
    with_head         bigint NOT NULL,
    screened          bigint NOT NULL,
    quarantined       bigint NOT NULL,
    fever_alerts      bigint NOT NULL,
    overdue_visits    bigint NOT NULL,
    open_requests     bigint NOT NULL,
    reports           integer NOT NULL,
    fever_reports     integer NOT NULL,
    not_home          integer NOT NULL,
    refused           integer NOT NULL,
    visits            integer NOT NULL,
    requests_received integer NOT NULL,
    requests_closed   integer NOT NULL,
    spot_checked      integer NOT NULL,
    spot_knows        integer NOT NULL,
    trend_screened    integer NOT NULL,
    PRIMARY KEY (day, grid_id)
);
