-- fct_item_completions
-- grain: one row per (learner_pid, course_id, item_id) of the course structure that the learner completed
-- depends on: statements, dim_course_item, fct_problem_attempts
-- Complete means: video, a `completed` statement; problem, an attempt (see fct_problem_attempts); page, a
-- page-category statement. First completion time kept.
SELECT s.learner_pid, s.course_id, i.item_id, min(s."timestamp") AS completed_at
FROM statements AS s
JOIN dim_course_item AS i ON i.course_id = s.course_id AND i.item_id = s.object_id
WHERE s.learner_pid IS NOT NULL
  AND ((i.item_type = 'video' AND s.verb_name = 'completed')
    OR (i.item_type = 'page' AND s.verb_category = 'page'))
GROUP BY ALL
UNION ALL
SELECT a.learner_pid, a.course_id, a.problem_id, min(a."timestamp")
FROM fct_problem_attempts AS a
JOIN dim_course_item AS i ON i.course_id = a.course_id AND i.item_id = a.problem_id
GROUP BY ALL
