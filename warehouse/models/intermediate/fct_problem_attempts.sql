-- An attempt is a problem-category statement carrying a non-empty result, on a problem item: an item of type
-- problem in the course structure or, for a course without structure, an object of a problem activity type.
SELECT s.learner_pid, s.course_id, s.object_id AS problem_id, s.timestamp, s.week_start, s.result_success,
       s.result_score_scaled, s.statement_pid
FROM {{ ref('statements') }} AS s
LEFT JOIN {{ source('lola', 'dim_course') }} AS c ON c.course_id = s.course_id
LEFT JOIN {{ source('lola', 'dim_course_item') }} AS i
       ON i.course_id = s.course_id AND i.item_id = s.object_id AND i.item_type = 'problem'
WHERE s.verb_category = 'problem'
  AND s.has_result
  AND s.learner_pid IS NOT NULL
  AND s.course_id IS NOT NULL
  AND CASE WHEN c.course_id IS NOT NULL THEN i.item_id IS NOT NULL ELSE s.object_role = 'problem' END
