{{ config(meta={'dagster': {'ref': {'name': 'engagement_learner_week'}}}) }}
-- engagement_learner_week covers exactly the pairs of completion_learner_course, and a pair's weekly n_events add up
-- to its n_events: each counted statement falls in one of the pair's weeks. One row per pair that breaks it.
SELECT learner_pid, course_id, c.n_events, w.n_events AS weekly_n_events
FROM {{ ref('completion_learner_course') }} AS c
FULL JOIN (
    SELECT learner_pid, course_id, sum(n_events) AS n_events
    FROM {{ ref('engagement_learner_week') }}
    GROUP BY ALL
) AS w USING (learner_pid, course_id)
WHERE c.n_events IS DISTINCT FROM w.n_events
