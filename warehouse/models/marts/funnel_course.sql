-- Each step counts the pairs meeting its own condition, whatever the other steps.
WITH course_steps AS (
    SELECT course_id, 1 AS step_order, 'registered' AS step FROM {{ source('lola', 'dim_course') }}
    UNION ALL
    SELECT course_id, 2, 'viewed' FROM {{ source('lola', 'dim_course') }}
    UNION ALL
    SELECT course_id, 2 + row_number() OVER (PARTITION BY course_id ORDER BY position, module_id),
           'module_' || position || '_completed'
    FROM {{ source('lola', 'dim_course_module') }}
    UNION ALL
    SELECT course_id, 3 + n_modules, 'completed' FROM {{ source('lola', 'dim_course') }}
    UNION ALL
    SELECT course_id, 4 + n_modules, 'passed' FROM {{ source('lola', 'dim_course') }}
),
pairs_at_step AS (
    SELECT course_id, 'registered' AS step FROM {{ ref('engagement_learner_course') }} WHERE registered
    UNION ALL
    SELECT course_id, 'viewed' FROM {{ ref('engagement_learner_course') }} WHERE viewed
    UNION ALL
    SELECT course_id, 'module_' || module_position || '_completed' FROM {{ ref('completion_learner_module') }}
    WHERE completed
    UNION ALL
    SELECT course_id, 'completed' FROM {{ ref('engagement_learner_course') }} WHERE completed
    UNION ALL
    SELECT course_id, 'passed' FROM {{ ref('engagement_learner_course') }} WHERE passed
),
learners_at_step AS (
    SELECT course_id, step, count(*) AS learners FROM pairs_at_step GROUP BY course_id, step
),
counted AS (
    SELECT cs.course_id, cs.step_order, cs.step, coalesce(l.learners, 0) AS learners
    FROM course_steps AS cs
    LEFT JOIN learners_at_step AS l USING (course_id, step)
)
SELECT course_id, step_order, step, learners,
       CAST(learners AS DOUBLE)
           / nullif(max(CASE WHEN step = 'registered' THEN learners END) OVER (PARTITION BY course_id), 0)
           AS share_of_registered
FROM counted
ORDER BY course_id, step_order
