SELECT c.course, f.step_order, f.step, f.learners, f.share_of_registered
FROM warehouse.funnel_course AS f
JOIN course_label AS c USING (course_id)
ORDER BY c.course, f.step_order
