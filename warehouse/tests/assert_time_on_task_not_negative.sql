-- Time on task sums gaps between statements in time order, so it is never negative; neither is a session.
SELECT learner_pid, course_id, time_on_task_s AS seconds, 'engagement_learner_course' AS model
FROM {{ ref('engagement_learner_course') }}
WHERE time_on_task_s < 0
UNION ALL
SELECT learner_pid, course_id, duration_s, 'int_sessions'
FROM {{ ref('int_sessions') }}
WHERE duration_s < 0
