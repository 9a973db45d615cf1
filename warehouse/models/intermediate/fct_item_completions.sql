-- Complete means: video, a `completed` statement; problem, an attempt (see fct_problem_attempts); page, a
-- page-category statement. First completion time kept.
SELECT s.learner_pid, s.course_id, i.item_id, min(s.timestamp) AS completed_at
FROM {{ ref('statements') }} AS s
JOIN {{ source('lola', 'dim_course_item') }} AS i ON i.course_id = s.course_id AND i.item_id = s.object_id
WHERE s.learner_pid IS NOT NULL
  AND ((i.item_type = 'video' AND s.verb_name = 'completed')
    OR (i.item_type = 'page' AND s.verb_category = 'page'))
GROUP BY ALL
UNION ALL
SELECT a.learner_pid, a.course_id, a.problem_id, min(a.timestamp)
FROM {{ ref('fct_problem_attempts') }} AS a
JOIN {{ source('lola', 'dim_course_item') }} AS i ON i.course_id = a.course_id AND i.item_id = a.problem_id
GROUP BY ALL
