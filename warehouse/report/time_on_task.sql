-- Learner-course pairs by time on task (bins in minutes), as a share of their group's pairs.
WITH binned AS (
    SELECT g.arm,
           CASE WHEN e.time_on_task_s = 0 THEN 0
                WHEN e.time_on_task_s < 10 * 60 THEN 1
                WHEN e.time_on_task_s < 30 * 60 THEN 2
                WHEN e.time_on_task_s < 60 * 60 THEN 3
                WHEN e.time_on_task_s < 2 * 3600 THEN 4
                WHEN e.time_on_task_s < 5 * 3600 THEN 5
                ELSE 6 END AS bin_order
    FROM warehouse.engagement_learner_course AS e
    JOIN pair_group AS g USING (learner_pid, course_id)
)
SELECT arm, bin_order,
       ['none', 'under 10 min', '10–30 min', '30–60 min', '1–2 h', '2–5 h', '5 h or more'][bin_order + 1]
           AS time_on_task,
       count(*) AS pairs,
       count(*) / sum(count(*)) OVER (PARTITION BY arm) AS share_of_pairs
FROM binned
GROUP BY arm, bin_order
ORDER BY arm, bin_order
