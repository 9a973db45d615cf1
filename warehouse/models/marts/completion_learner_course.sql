-- Definitions: contract §4. Module completion needs the course structure; without it the module columns are NULL.
-- school_pid and arm: the learner's RCT school and arm, NULL for learners outside the trial.
WITH s AS (
    SELECT * FROM {{ ref('statements') }} WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL
),
activity AS (
    SELECT
        learner_pid, course_id,
        coalesce(min(timestamp) FILTER (WHERE verb_name = 'registered'), min(timestamp)) AS enrolled_at,
        min(timestamp)                                                          AS first_activity_at,
        max(timestamp)                                                          AS last_activity_at,
        count(*)                                                                  AS n_events,
        count(DISTINCT local_date)                                                AS active_days,
        count(DISTINCT object_id) FILTER (WHERE verb_name = 'completed' AND object_role = 'video') AS videos_completed,
        count(DISTINCT object_id) FILTER (WHERE verb_name = 'played' AND object_role = 'video')    AS videos_played
    FROM s
    GROUP BY learner_pid, course_id
),
problems AS (
    SELECT learner_pid, course_id,
           count(DISTINCT problem_id)                                   AS problems_attempted,
           count(DISTINCT problem_id) FILTER (WHERE result_success)     AS problems_passed
    FROM {{ ref('fct_problem_attempts') }}
    GROUP BY learner_pid, course_id
),
modules AS (
    SELECT learner_pid, course_id, count(*) FILTER (WHERE completed) AS modules_completed
    FROM {{ ref('fct_module_completions') }}
    GROUP BY learner_pid, course_id
),
outcome AS (
    SELECT learner_pid, course_id, verb_name = 'passed' AS passed, result_score_scaled AS grade
    FROM s
    WHERE verb_category = 'course_outcome' AND object_id = course_id
    QUALIFY row_number() OVER (PARTITION BY learner_pid, course_id
                               ORDER BY timestamp DESC, stored DESC NULLS LAST, statement_pid DESC) = 1
)
SELECT
    a.learner_pid, a.course_id,
    a.enrolled_at, a.first_activity_at, a.last_activity_at,
    a.n_events, a.active_days,
    a.videos_completed, a.videos_played,
    coalesce(p.problems_attempted, 0) AS problems_attempted,
    coalesce(p.problems_passed, 0)    AS problems_passed,
    c.n_modules                       AS modules_total,
    CASE WHEN c.course_id IS NOT NULL THEN coalesce(m.modules_completed, 0) END AS modules_completed,
    CASE WHEN c.course_id IS NOT NULL THEN coalesce(m.modules_completed, 0) = c.n_modules END AS completed,
    o.passed, o.grade,
    r.school_pid, r.arm
FROM activity AS a
LEFT JOIN problems AS p USING (learner_pid, course_id)
LEFT JOIN modules AS m USING (learner_pid, course_id)
LEFT JOIN outcome AS o USING (learner_pid, course_id)
LEFT JOIN {{ source('lola', 'dim_course') }} AS c USING (course_id)
LEFT JOIN {{ source('lola', 'dim_rct_assignment') }} AS r USING (learner_pid)
ORDER BY a.course_id, a.learner_pid
