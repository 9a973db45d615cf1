-- Per group (arm, or outside the trial) and week: learners active in any course that week, over the group's learners
-- with a course.
WITH group_size AS (
    SELECT arm, count(DISTINCT learner_pid) AS learners FROM pair_group GROUP BY arm
), active AS (
    SELECT coalesce(arm, 'outside the trial') AS arm, week_start,
           count(DISTINCT learner_pid) FILTER (WHERE n_events > 0) AS active_learners
    FROM warehouse.engagement_learner_week
    GROUP BY ALL
)
SELECT a.arm, a.week_start, a.active_learners, g.learners AS learners_in_group,
       a.active_learners / g.learners AS share_active
FROM active AS a
JOIN group_size AS g USING (arm)
ORDER BY a.arm, a.week_start
