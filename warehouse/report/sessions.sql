-- Learner-course pairs by number of sessions (1 to 10, then 11 or more), as a share of their group's pairs.
WITH binned AS (
    SELECT g.arm, least(e.n_sessions, 11) AS bin_order
    FROM warehouse.engagement_learner_course AS e
    JOIN pair_group AS g USING (learner_pid, course_id)
)
SELECT arm, bin_order, CASE WHEN bin_order = 11 THEN '11 or more' ELSE bin_order::VARCHAR END AS sessions,
       count(*) AS pairs,
       count(*) / sum(count(*)) OVER (PARTITION BY arm) AS share_of_pairs
FROM binned
GROUP BY arm, bin_order
ORDER BY arm, bin_order
