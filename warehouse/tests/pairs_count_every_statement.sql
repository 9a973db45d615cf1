{{ config(meta={'dagster': {'ref': {'name': 'completion_learner_course'}}}) }}
-- Each counted statement with a learner and a course is counted once, in its pair of completion_learner_course:
-- the pairs' n_events add up to those statements. One row when they do not.
SELECT s.n_statements, p.n_events
FROM (SELECT count(*) AS n_statements FROM {{ ref('statements') }}
      WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL) AS s,
     (SELECT coalesce(sum(n_events), 0) AS n_events FROM {{ ref('completion_learner_course') }}) AS p
WHERE s.n_statements <> p.n_events
