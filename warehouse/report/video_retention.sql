-- Per video of the structure, in course order (module, then the video's IRI: the structure keeps no order within a
-- module): its viewers and the mean share of it they watched.
SELECT c.course,
       row_number() OVER (PARTITION BY v.course_id ORDER BY v.module_position, v.video_id) AS video_order,
       v.module_position, v.title AS video,
       count(e.learner_pid) AS viewers,
       avg(e.share_watched) AS mean_share_watched
FROM warehouse.dim_video AS v
JOIN course_label AS c USING (course_id)
LEFT JOIN warehouse.engagement_learner_video AS e USING (course_id, video_id)
GROUP BY c.course, v.course_id, v.module_position, v.video_id, v.title
ORDER BY c.course, video_order
