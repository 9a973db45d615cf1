-- completion_learner_course
-- grain: one row per (learner_pid, course_id) for every learner with a counted statement in the course
-- depends on: statements, dim_course, dim_course_module, dim_course_item, fct_problem_attempts, fct_item_completions
-- Definitions: contract §4. Module completion needs the course structure; without it the module columns are NULL.
WITH s AS (
    SELECT * FROM statements WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL
),
activity AS (
    SELECT
        learner_pid, course_id,
        coalesce(min("timestamp") FILTER (WHERE verb_name = 'registered'), min("timestamp")) AS enrolled_at,
        min("timestamp")                                                          AS first_activity_at,
        max("timestamp")                                                          AS last_activity_at,
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
    FROM fct_problem_attempts
    GROUP BY learner_pid, course_id
),
module_items AS (
    SELECT a.learner_pid, a.course_id, m.module_id,
           count(i.item_id) FILTER (WHERE i.required)                         AS n_required,
           count(d.item_id) FILTER (WHERE i.required)                         AS n_required_done,
           count(d.item_id)                                                   AS n_done
    FROM activity AS a
    JOIN dim_course_module AS m ON m.course_id = a.course_id
    LEFT JOIN dim_course_item AS i ON i.course_id = m.course_id AND i.module_id = m.module_id
    LEFT JOIN fct_item_completions AS d
           ON d.learner_pid = a.learner_pid AND d.course_id = a.course_id AND d.item_id = i.item_id
    GROUP BY a.learner_pid, a.course_id, m.module_id
),
modules AS (
    SELECT learner_pid, course_id,
           count(*) FILTER (WHERE CASE WHEN n_required > 0 THEN n_required_done = n_required ELSE n_done > 0 END)
               AS modules_completed
    FROM module_items
    GROUP BY learner_pid, course_id
),
outcome AS (
    SELECT learner_pid, course_id, verb_name = 'passed' AS passed, result_score_scaled AS grade
    FROM s
    WHERE verb_category = 'course_outcome' AND object_id = course_id
    QUALIFY row_number() OVER (PARTITION BY learner_pid, course_id
                               ORDER BY "timestamp" DESC, stored DESC NULLS LAST, statement_pid DESC) = 1
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
    o.passed, o.grade
FROM activity AS a
LEFT JOIN problems AS p USING (learner_pid, course_id)
LEFT JOIN modules AS m USING (learner_pid, course_id)
LEFT JOIN outcome AS o USING (learner_pid, course_id)
LEFT JOIN dim_course AS c USING (course_id)
ORDER BY a.course_id, a.learner_pid
