-- Per course and week: learners with a counted statement in the course that week (weeks without one count 0).
SELECT c.course, w.week_start, count(*) FILTER (WHERE w.n_events > 0) AS active_learners
FROM warehouse.engagement_learner_week AS w
JOIN course_label AS c USING (course_id)
GROUP BY c.course, w.week_start
ORDER BY c.course, w.week_start
