SELECT s.learner_pid,
       min(s.timestamp)          AS first_activity_at,
       max(s.timestamp)          AS last_activity_at,
       count(DISTINCT s.course_id) AS n_courses,
       r.school_pid,
       r.arm
FROM {{ ref('statements') }} AS s
LEFT JOIN {{ source('lola', 'dim_rct_assignment') }} AS r USING (learner_pid)
WHERE s.learner_pid IS NOT NULL
GROUP BY s.learner_pid, r.school_pid, r.arm
ORDER BY s.learner_pid
