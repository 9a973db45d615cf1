-- One row per learner-course pair and module of the course's structure. Not released: items_required_completed
-- (it would tell `completed` where that is suppressed) and completed_at (an absolute time).
SELECT learner_pid, course_id AS course, module_position, started, completed
FROM warehouse.completion_learner_module
