-- engagement_learner_course has one row per pair of completion_learner_course, no more, no fewer.
(SELECT learner_pid, course_id, 'missing from engagement_learner_course' AS problem
 FROM (SELECT learner_pid, course_id FROM {{ ref('completion_learner_course') }}
       EXCEPT ALL SELECT learner_pid, course_id FROM {{ ref('engagement_learner_course') }}))
UNION ALL
(SELECT learner_pid, course_id, 'not a pair of completion_learner_course'
 FROM (SELECT learner_pid, course_id FROM {{ ref('engagement_learner_course') }}
       EXCEPT ALL SELECT learner_pid, course_id FROM {{ ref('completion_learner_course') }}))
