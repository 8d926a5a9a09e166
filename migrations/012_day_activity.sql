-- The day's field work per compound grid, kept by the writes (issue 14):
-- day_activity holds, for each local day and compound grid, the counts
-- store.Activity reports (screening reports and their outcomes, visits,
-- hotline requests received and closed, spot-check answers, tasks made
-- and done). Statement-level triggers on the tables the work is written
-- to add to it in the writing transaction, one upsert per statement
-- whatever its row count, so the day's report of today reads 50,000 rows
-- instead of joining two million screenings, and a bulk insert (the
-- generated city's week of work) pays one grouped upsert.
--
-- A local day is that of the area's time zone, which the server keeps in
-- day_activity_zone (store.SetActivityZone: a changed zone recounts
-- every row). Work counts in the grid it was recorded in: a household's
-- building's grid, a request's or task's own grid, at the time of the
-- write. A boundary publish recounts the rows of the grids it moved
-- buildings between from yesterday on (day_activity_recount), so the
-- day's report of today counts its work in the grids of now, as the live
-- coverage figures do; earlier days keep the grids of then.

CREATE TABLE day_activity_zone (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    zone text NOT NULL
);
INSERT INTO day_activity_zone (zone) VALUES ('Asia/Shanghai');

CREATE FUNCTION activity_zone() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT zone FROM day_activity_zone
$$;

CREATE TABLE day_activity (
    day               date NOT NULL,
    grid_id           bigint NOT NULL,
    reports           integer NOT NULL DEFAULT 0, -- screening reports for the day made by its end
    fever_reports     integer NOT NULL DEFAULT 0,
    not_home          integer NOT NULL DEFAULT 0,
    refused           integer NOT NULL DEFAULT 0,
    visits            integer NOT NULL DEFAULT 0, -- visits whose time (at) is that day
    requests_received integer NOT NULL DEFAULT 0,
    requests_closed   integer NOT NULL DEFAULT 0,
    spot_checked      integer NOT NULL DEFAULT 0, -- spot-check answers recorded that day
    spot_knows        integer NOT NULL DEFAULT 0,
    tasks_made        integer NOT NULL DEFAULT 0,
    tasks_done        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (day, grid_id)
);

-- day_activity_add adds rows of counts (several may name the same day and
-- grid) to the counters, in key order so that concurrent writers lock
-- rows in the same order.
CREATE FUNCTION day_activity_add(deltas day_activity[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO day_activity AS d
    SELECT day, grid_id, sum(reports), sum(fever_reports), sum(not_home), sum(refused), sum(visits),
           sum(requests_received), sum(requests_closed), sum(spot_checked), sum(spot_knows), sum(tasks_made), sum(tasks_done)
    FROM unnest(deltas)
    GROUP BY day, grid_id
    HAVING sum(abs(reports) + abs(fever_reports) + abs(not_home) + abs(refused) + abs(visits) + abs(requests_received)
               + abs(requests_closed) + abs(spot_checked) + abs(spot_knows) + abs(tasks_made) + abs(tasks_done)) > 0
    ORDER BY day, grid_id
    ON CONFLICT (day, grid_id) DO UPDATE SET
        reports = d.reports + EXCLUDED.reports,
        fever_reports = d.fever_reports + EXCLUDED.fever_reports,
        not_home = d.not_home + EXCLUDED.not_home,
        refused = d.refused + EXCLUDED.refused,
        visits = d.visits + EXCLUDED.visits,
        requests_received = d.requests_received + EXCLUDED.requests_received,
        requests_closed = d.requests_closed + EXCLUDED.requests_closed,
        spot_checked = d.spot_checked + EXCLUDED.spot_checked,
        spot_knows = d.spot_knows + EXCLUDED.spot_knows,
        tasks_made = d.tasks_made + EXCLUDED.tasks_made,
        tasks_done = d.tasks_done + EXCLUDED.tasks_done
$$;

-- Screenings are only ever inserted. A report counts for its day when it
-- was made before the day's end (a report for yesterday made today does
-- not count in yesterday's work).
CREATE FUNCTION day_activity_screenings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE z text := activity_zone();
BEGIN
    PERFORM day_activity_add(ARRAY(
        SELECT ROW(s.day, b.grid_id, count(*)::int,
                   (count(*) FILTER (WHERE s.outcome = 'fever'))::int,
                   (count(*) FILTER (WHERE s.outcome = 'not_home'))::int,
                   (count(*) FILTER (WHERE s.outcome = 'refused'))::int,
                   0, 0, 0, 0, 0, 0, 0)::day_activity
        FROM new_rows s JOIN households h ON h.id = s.household_id JOIN buildings b ON b.id = h.building_id
        WHERE s.reported_at < ((s.day + 1)::timestamp AT TIME ZONE z)
        GROUP BY s.day, b.grid_id));
    RETURN NULL;
END $$;
CREATE TRIGGER day_activity_screenings AFTER INSERT ON screenings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION day_activity_screenings();

-- Visits are only ever inserted; one logged for an earlier day counts on
-- that day.
CREATE FUNCTION day_activity_visits() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE z text := activity_zone();
BEGIN
    PERFORM day_activity_add(ARRAY(
        SELECT ROW((v.at AT TIME ZONE z)::date, b.grid_id, 0, 0, 0, 0, count(*)::int, 0, 0, 0, 0, 0, 0)::day_activity
        FROM new_rows v JOIN vulnerable_residents r ON r.id = v.resident_id
        JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
        GROUP BY (v.at AT TIME ZONE z)::date, b.grid_id));
    RETURN NULL;
END $$;
CREATE TRIGGER day_activity_visits AFTER INSERT ON visits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION day_activity_visits();

-- Requests: received when inserted; closed when closed_at is set (on
-- insert, or later). An update counts the new rows' closing and takes
-- back the old rows', so only a change of closed_at moves a count.
CREATE FUNCTION day_activity_requests() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE z text := activity_zone();
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM day_activity_add(ARRAY(
            SELECT ROW((received_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, count(*)::int, 0, 0, 0, 0, 0)::day_activity
            FROM new_rows GROUP BY (received_at AT TIME ZONE z)::date, grid_id
            UNION ALL
            SELECT ROW((closed_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, 0, count(*)::int, 0, 0, 0, 0)::day_activity
            FROM new_rows WHERE closed_at IS NOT NULL GROUP BY (closed_at AT TIME ZONE z)::date, grid_id));
    ELSE
        PERFORM day_activity_add(ARRAY(
            SELECT ROW((closed_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, 0, n::int, 0, 0, 0, 0)::day_activity
            FROM (SELECT closed_at, grid_id, 1 AS n FROM new_rows WHERE closed_at IS NOT NULL
                  UNION ALL
                  SELECT closed_at, grid_id, -1 FROM old_rows WHERE closed_at IS NOT NULL) c));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER day_activity_requests_insert AFTER INSERT ON requests
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION day_activity_requests();
CREATE TRIGGER day_activity_requests_update AFTER UPDATE ON requests
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION day_activity_requests();

-- Spot-check answers: an item counts on the day it was recorded; a
-- correction (recorded again) moves it to its new day.
CREATE FUNCTION day_activity_spot_checks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE z text := activity_zone();
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM day_activity_add(ARRAY(
            SELECT ROW((i.recorded_at AT TIME ZONE z)::date, b.grid_id, 0, 0, 0, 0, 0, 0, 0,
                       1, (i.result = 'knows')::int, 0, 0)::day_activity
            FROM new_rows i JOIN households h ON h.id = i.household_id JOIN buildings b ON b.id = h.building_id
            WHERE i.recorded_at IS NOT NULL));
    ELSE
        PERFORM day_activity_add(ARRAY(
            SELECT ROW((i.recorded_at AT TIME ZONE z)::date, b.grid_id, 0, 0, 0, 0, 0, 0, 0,
                       i.n, i.n * (i.result = 'knows')::int, 0, 0)::day_activity
            FROM (SELECT household_id, recorded_at, result, 1 AS n FROM new_rows WHERE recorded_at IS NOT NULL
                  UNION ALL
                  SELECT household_id, recorded_at, result, -1 FROM old_rows WHERE recorded_at IS NOT NULL) i
            JOIN households h ON h.id = i.household_id JOIN buildings b ON b.id = h.building_id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER day_activity_spot_checks_insert AFTER INSERT ON spot_check_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION day_activity_spot_checks();
CREATE TRIGGER day_activity_spot_checks_update AFTER UPDATE ON spot_check_items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION day_activity_spot_checks();

-- Tasks: made on the day created; done on the day done_at says, while
-- the task is done. An update (accepting, declining, escalating,
-- closing) moves only the done count.
CREATE FUNCTION day_activity_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE z text := activity_zone();
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM day_activity_add(ARRAY(
            SELECT ROW((created_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*)::int, 0)::day_activity
            FROM new_rows GROUP BY (created_at AT TIME ZONE z)::date, grid_id
            UNION ALL
            SELECT ROW((done_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*)::int)::day_activity
            FROM new_rows WHERE status = 'done' AND done_at IS NOT NULL GROUP BY (done_at AT TIME ZONE z)::date, grid_id));
    ELSE
        PERFORM day_activity_add(ARRAY(
            SELECT ROW((done_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, n)::day_activity
            FROM (SELECT done_at, grid_id, 1 AS n FROM new_rows WHERE status = 'done' AND done_at IS NOT NULL
                  UNION ALL
                  SELECT done_at, grid_id, -1 FROM old_rows WHERE status = 'done' AND done_at IS NOT NULL) t));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER day_activity_tasks_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION day_activity_tasks();
CREATE TRIGGER day_activity_tasks_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION day_activity_tasks();

-- day_activity_recount counts the rows of the days from from_day on (and
-- of the grids in grids; NULL: every grid) again from the tables the
-- work is in, with the grids of now: the backfill below, a changed time
-- zone, and a boundary publish for the grids it moved buildings between.
CREATE FUNCTION day_activity_recount(from_day date, grids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    z     text := activity_zone();
    from_at timestamptz := from_day::timestamp AT TIME ZONE z;
BEGIN
    DELETE FROM day_activity WHERE day >= from_day AND (grids IS NULL OR grid_id = ANY (grids));
    PERFORM day_activity_add(ARRAY(
        SELECT ROW(s.day, b.grid_id, count(*)::int,
                   (count(*) FILTER (WHERE s.outcome = 'fever'))::int,
                   (count(*) FILTER (WHERE s.outcome = 'not_home'))::int,
                   (count(*) FILTER (WHERE s.outcome = 'refused'))::int,
                   0, 0, 0, 0, 0, 0, 0)::day_activity
        FROM screenings s JOIN households h ON h.id = s.household_id JOIN buildings b ON b.id = h.building_id
        WHERE s.day >= from_day AND s.reported_at < ((s.day + 1)::timestamp AT TIME ZONE z)
          AND (grids IS NULL OR b.grid_id = ANY (grids))
        GROUP BY s.day, b.grid_id
        UNION ALL
        SELECT ROW((v.at AT TIME ZONE z)::date, b.grid_id, 0, 0, 0, 0, count(*)::int, 0, 0, 0, 0, 0, 0)::day_activity
        FROM visits v JOIN vulnerable_residents r ON r.id = v.resident_id
        JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
        WHERE v.at >= from_at AND (grids IS NULL OR b.grid_id = ANY (grids))
        GROUP BY (v.at AT TIME ZONE z)::date, b.grid_id
        UNION ALL
        SELECT ROW((received_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, count(*)::int, 0, 0, 0, 0, 0)::day_activity
        FROM requests WHERE received_at >= from_at AND (grids IS NULL OR grid_id = ANY (grids))
        GROUP BY (received_at AT TIME ZONE z)::date, grid_id
        UNION ALL
        SELECT ROW((closed_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, 0, count(*)::int, 0, 0, 0, 0)::day_activity
        FROM requests WHERE closed_at >= from_at AND (grids IS NULL OR grid_id = ANY (grids))
        GROUP BY (closed_at AT TIME ZONE z)::date, grid_id
        UNION ALL
        SELECT ROW((i.recorded_at AT TIME ZONE z)::date, b.grid_id, 0, 0, 0, 0, 0, 0, 0, count(*)::int,
                   (count(*) FILTER (WHERE i.result = 'knows'))::int, 0, 0)::day_activity
        FROM spot_check_items i JOIN households h ON h.id = i.household_id JOIN buildings b ON b.id = h.building_id
        WHERE i.recorded_at >= from_at AND (grids IS NULL OR b.grid_id = ANY (grids))
        GROUP BY (i.recorded_at AT TIME ZONE z)::date, b.grid_id
        UNION ALL
        SELECT ROW((created_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*)::int, 0)::day_activity
        FROM tasks WHERE created_at >= from_at AND (grids IS NULL OR grid_id = ANY (grids))
        GROUP BY (created_at AT TIME ZONE z)::date, grid_id
        UNION ALL
        SELECT ROW((done_at AT TIME ZONE z)::date, grid_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*)::int)::day_activity
        FROM tasks WHERE status = 'done' AND done_at >= from_at AND (grids IS NULL OR grid_id = ANY (grids))
        GROUP BY (done_at AT TIME ZONE z)::date, grid_id));
END $$;

SELECT day_activity_recount('-infinity', NULL);

-- Kept days carry the tasks made and done too, taken for the days kept
-- already from the counters just filled.
ALTER TABLE report_day_grids
    ADD COLUMN tasks_made integer NOT NULL DEFAULT 0,
    ADD COLUMN tasks_done integer NOT NULL DEFAULT 0;
UPDATE report_day_grids g SET tasks_made = a.tasks_made, tasks_done = a.tasks_done
FROM day_activity a WHERE a.day = g.day AND a.grid_id = g.grid_id AND a.tasks_made + a.tasks_done > 0;
INSERT INTO report_day_grids (day, grid_id, counted, households, excluded, with_contact, buildings, with_head,
    screened, quarantined, fever_alerts, overdue_visits, open_requests, reports, fever_reports, not_home, refused,
    visits, requests_received, requests_closed, spot_checked, spot_knows, trend_screened, tasks_made, tasks_done)
SELECT a.day, a.grid_id, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a.tasks_made, a.tasks_done
FROM day_activity a JOIN report_days d ON d.day = a.day
WHERE a.tasks_made + a.tasks_done > 0
  AND NOT EXISTS (SELECT 1 FROM report_day_grids g WHERE g.day = a.day AND g.grid_id = a.grid_id);
