-- A pair's counted statements in time order; a gap over 1,800 s starts a new session, a gap of at most 1,800 s
-- (exactly 1,800 s included) is time on task (contract §4.2). Gaps are summed in whole microseconds, exactly.
WITH gaps AS (
    SELECT learner_pid, course_id, timestamp,
           row_number() OVER in_order AS seq,
           {{ lola_epoch_us('timestamp') }} - {{ lola_epoch_us('lag(timestamp) OVER in_order') }} AS gap_us
    FROM {{ ref('statements') }}
    WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL
    WINDOW in_order AS (PARTITION BY learner_pid, course_id ORDER BY timestamp, stored NULLS FIRST, statement_pid)
),
numbered AS (
    SELECT *,
           sum(CASE WHEN gap_us IS NULL OR gap_us > 1800000000 THEN 1 ELSE 0 END)
               OVER (PARTITION BY learner_pid, course_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS session_number
    FROM gaps
)
SELECT learner_pid, course_id, CAST(session_number AS INTEGER) AS session_number,
       min(timestamp) AS started_at,
       max(timestamp) AS ended_at,
       count(*)         AS n_events,
       coalesce(sum(gap_us) FILTER (WHERE gap_us <= 1800000000), 0) / 1e6 AS duration_s
FROM numbered
GROUP BY learner_pid, course_id, session_number
