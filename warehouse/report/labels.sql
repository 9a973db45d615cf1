-- Views the figures' queries share. A course is shown by its title and language (its IRI when the structure gives no
-- title, or when two runs would otherwise share a label).
CREATE TEMP VIEW course_label AS
SELECT course_id,
       CASE WHEN count(*) OVER (PARTITION BY label) > 1 THEN label || ' — ' || course_id ELSE label END AS course
FROM (SELECT course_id, coalesce(title, course_id) || coalesce(' (' || language || ')', '') AS label
      FROM warehouse.dim_course_run);

-- The groups the engagement figures compare: the RCT arms, and the learners outside the trial.
CREATE TEMP VIEW pair_group AS
SELECT learner_pid, course_id, coalesce(arm, 'outside the trial') AS arm
FROM warehouse.engagement_learner_course;
