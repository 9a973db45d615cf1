-- Intention to treat: every teacher of the assignment counts in the denominators, with or without a pair in the
-- course (dim_rct_assignment already leaves erased teachers out).
WITH teachers AS (
    SELECT learner_pid, arm FROM {{ source('lola', 'dim_rct_assignment') }}
),
teacher_courses AS (
    SELECT t.arm, c.course_id, t.learner_pid,
           e.learner_pid IS NOT NULL AS active,
           coalesce(e.registered, false) AS registered,
           coalesce(e.completed, false)  AS completed,
           coalesce(e.passed, false)     AS passed,
           coalesce(p.active_days, 0)       AS active_days,
           coalesce(p.modules_completed, 0) AS modules_completed
    FROM teachers AS t
    CROSS JOIN {{ source('lola', 'dim_course') }} AS c
    LEFT JOIN {{ ref('engagement_learner_course') }} AS e
           ON e.learner_pid = t.learner_pid AND e.course_id = c.course_id
    LEFT JOIN {{ ref('completion_learner_course') }} AS p
           ON p.learner_pid = t.learner_pid AND p.course_id = c.course_id
)
SELECT arm, course_id,
       count(*)                                   AS teachers_assigned,
       count(*) FILTER (WHERE registered)         AS registered,
       count(*) FILTER (WHERE active)             AS active,
       count(*) FILTER (WHERE completed)          AS completed,
       count(*) FILTER (WHERE passed)             AS passed,
       CAST(sum(active_days) AS DOUBLE) / count(*)       AS mean_active_days,
       CAST(sum(modules_completed) AS DOUBLE) / count(*) AS mean_modules_completed,
       CAST(count(*) FILTER (WHERE completed) AS DOUBLE) / count(*) AS completion_rate
FROM teacher_courses
GROUP BY arm, course_id
ORDER BY arm, course_id
