-- Learners with a course by handbook pages viewed (a learner's value, the same on each of their courses), as a share of
-- their group. A learner in two groups (not possible with one assignment) would count in each.
WITH learner AS (
    SELECT DISTINCT g.arm, e.learner_pid, e.handbook_pages_viewed AS pages
    FROM warehouse.engagement_learner_course AS e
    JOIN pair_group AS g USING (learner_pid, course_id)
), binned AS (
    SELECT arm, CASE WHEN pages = 0 THEN 0 WHEN pages <= 2 THEN 1 WHEN pages <= 5 THEN 2 WHEN pages <= 10 THEN 3
                     WHEN pages <= 20 THEN 4 ELSE 5 END AS bin_order
    FROM learner
)
SELECT arm, bin_order, ['0', '1–2', '3–5', '6–10', '11–20', '21 or more'][bin_order + 1] AS pages_viewed,
       count(*) AS learners,
       count(*) / sum(count(*)) OVER (PARTITION BY arm) AS share_of_learners
FROM binned
GROUP BY arm, bin_order
ORDER BY arm, bin_order
