{{ config(severity='warn') }}
-- funnel_course.share_of_registered is normally in [0, 1]. The contract counts each step whatever the other steps,
-- so learners active without a `registered` statement can lift a step above the registered one: a warning about the
-- enrolment data, not an error of the model.
SELECT course_id, step_order, step, learners, share_of_registered
FROM {{ ref('funnel_course') }}
WHERE share_of_registered < 0 OR share_of_registered > 1
