-- Intention to treat: the denominator is every teacher assigned to the arm (rct_outcomes_arm.teachers_assigned).
SELECT course, arm, outcome, teachers, teachers_assigned,
       CASE WHEN teachers_assigned > 0 THEN teachers / teachers_assigned END AS rate
FROM (
    UNPIVOT (SELECT c.course, r.arm, r.teachers_assigned, r.completed, r.passed
             FROM warehouse.rct_outcomes_arm AS r JOIN course_label AS c USING (course_id))
    ON completed, passed INTO NAME outcome VALUE teachers
)
ORDER BY course, outcome, arm
