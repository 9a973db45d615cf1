-- The pair's video-category statements on one video, aggregated; the video's length for the pair is decided here,
-- once, for the watched segments (clipping) and for engagement_learner_video.
WITH video_statements AS (
    SELECT learner_pid, course_id, object_id AS video_id, verb_name, video_length_s
    FROM {{ ref('statements') }}
    WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL
      AND verb_category = 'video' AND object_role = 'video'
),
per_video AS (
    SELECT learner_pid, course_id, video_id,
           count(*) FILTER (WHERE verb_name = 'played') AS plays,
           bool_or(verb_name = 'completed')             AS completed,
           max(video_length_s)                          AS largest_context_length_s
    FROM video_statements
    GROUP BY learner_pid, course_id, video_id
)
SELECT v.learner_pid, v.course_id, v.video_id, v.plays, v.completed,
       coalesce(d.video_length_s, v.largest_context_length_s) AS video_length_s
FROM per_video AS v
LEFT JOIN {{ ref('dim_video') }} AS d USING (course_id, video_id)
