-- The person-course table: one row per pair of completion_learner_course, whose columns it repeats where the
-- contract says "as in completion_learner_course".
WITH s AS (
    SELECT * FROM {{ ref('statements') }} WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL
),
flags AS (
    SELECT learner_pid, course_id,
           bool_or(verb_category = 'enrolment' AND verb_name = 'registered' AND object_id = course_id) AS registered,
           bool_or(verb_category NOT IN ('enrolment', 'course_outcome'))                               AS viewed
    FROM s
    GROUP BY learner_pid, course_id
),
latest_enrolment AS (
    SELECT learner_pid, course_id, verb_name = 'unregistered' AS unregistered
    FROM s
    WHERE verb_category = 'enrolment' AND object_id = course_id
    QUALIFY row_number() OVER (PARTITION BY learner_pid, course_id
                               ORDER BY timestamp DESC, stored DESC NULLS LAST, statement_pid DESC) = 1
),
modules AS (
    SELECT learner_pid, course_id, count(*) FILTER (WHERE started) AS modules_started
    FROM {{ ref('completion_learner_module') }}
    GROUP BY learner_pid, course_id
),
sessions AS (
    SELECT learner_pid, course_id, count(*) AS n_sessions, {{ lola_float_sum('duration_s') }} AS time_on_task_s
    FROM {{ ref('int_sessions') }}
    GROUP BY learner_pid, course_id
),
videos AS (
    SELECT learner_pid, course_id, {{ lola_float_sum('watched_s') }} AS video_watched_s
    FROM {{ ref('engagement_learner_video') }}
    GROUP BY learner_pid, course_id
),
handbook AS (
    -- Per learner, whatever the course: repeated on each of the learner's rows.
    SELECT h.learner_pid,
           count(*) FILTER (WHERE h.verb_category = 'page')              AS handbook_pages_viewed,
           count(*) FILTER (WHERE h.verb_category = 'handbook_download') AS handbook_downloads
    FROM {{ ref('statements') }} AS h
    JOIN {{ source('lola', 'dim_source') }} AS src ON src.source = h.source AND src.is_handbook
    WHERE h.learner_pid IS NOT NULL
    GROUP BY h.learner_pid
)
SELECT
    c.learner_pid, c.course_id,
    f.registered,
    coalesce(e.unregistered, false)                                             AS unregistered,
    f.viewed,
    CASE WHEN c.modules_total IS NOT NULL THEN coalesce(m.modules_started, 0) END AS modules_started,
    CASE WHEN c.modules_total IS NOT NULL THEN 2 * coalesce(m.modules_started, 0) >= c.modules_total END AS explored,
    c.completed, c.passed, c.grade,
    c.n_events, c.active_days, c.videos_played, c.problems_attempted,
    ss.n_sessions, ss.time_on_task_s,
    coalesce(v.video_watched_s, 0)                                              AS video_watched_s,
    coalesce(h.handbook_pages_viewed, 0)                                        AS handbook_pages_viewed,
    coalesce(h.handbook_downloads, 0)                                           AS handbook_downloads,
    c.school_pid, c.arm
FROM {{ ref('completion_learner_course') }} AS c
JOIN flags AS f USING (learner_pid, course_id)
JOIN sessions AS ss USING (learner_pid, course_id)
LEFT JOIN latest_enrolment AS e USING (learner_pid, course_id)
LEFT JOIN modules AS m USING (learner_pid, course_id)
LEFT JOIN videos AS v USING (learner_pid, course_id)
LEFT JOIN handbook AS h USING (learner_pid)
ORDER BY c.course_id, c.learner_pid
