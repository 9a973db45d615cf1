-- school_pid and arm: the learner's RCT school and arm, NULL for learners outside the trial.
WITH span AS (
    SELECT cl.learner_pid, cl.course_id,
           CAST(date_trunc('week', {{ lola_local_time('least(cl.enrolled_at, cl.first_activity_at)') }}) AS DATE)
               AS first_week,
           CAST(date_trunc('week', greatest(c.end_date,
                CAST({{ lola_local_time('cl.last_activity_at') }} AS DATE))) AS DATE)          AS last_week
    FROM {{ ref('completion_learner_course') }} AS cl
    LEFT JOIN {{ source('lola', 'dim_course') }} AS c USING (course_id)
),
weeks AS (
    SELECT learner_pid, course_id, {{ lola_each_date('first_week', 'last_week', 7) }} AS week_start
    FROM span
),
course_weeks AS (
    SELECT learner_pid, course_id, week_start,
           count(*)                                                                          AS n_events,
           count(DISTINCT local_date)                                                        AS active_days,
           count(DISTINCT object_id) FILTER (WHERE verb_name = 'played' AND object_role = 'video') AS videos_played
    FROM {{ ref('statements') }}
    WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL
    GROUP BY ALL
),
problem_weeks AS (
    SELECT learner_pid, course_id, week_start, count(DISTINCT problem_id) AS problems_attempted
    FROM {{ ref('fct_problem_attempts') }}
    GROUP BY ALL
),
handbook_weeks AS (
    -- Per learner, whatever the course: repeated on each of the learner's course rows that week.
    SELECT s.learner_pid, s.week_start, count(*) AS handbook_pages_viewed
    FROM {{ ref('statements') }} AS s
    JOIN {{ source('lola', 'dim_source') }} AS src ON src.source = s.source AND src.is_handbook
    WHERE s.learner_pid IS NOT NULL AND s.verb_category = 'page'
    GROUP BY ALL
)
SELECT
    w.learner_pid, w.course_id, w.week_start,
    coalesce(cw.n_events, 0)              AS n_events,
    coalesce(cw.active_days, 0)           AS active_days,
    coalesce(cw.videos_played, 0)         AS videos_played,
    coalesce(pw.problems_attempted, 0)    AS problems_attempted,
    coalesce(hw.handbook_pages_viewed, 0) AS handbook_pages_viewed,
    r.school_pid, r.arm
FROM weeks AS w
LEFT JOIN course_weeks AS cw USING (learner_pid, course_id, week_start)
LEFT JOIN problem_weeks AS pw USING (learner_pid, course_id, week_start)
LEFT JOIN handbook_weeks AS hw USING (learner_pid, week_start)
LEFT JOIN {{ source('lola', 'dim_rct_assignment') }} AS r USING (learner_pid)
ORDER BY w.course_id, w.learner_pid, w.week_start
