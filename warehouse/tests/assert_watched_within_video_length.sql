-- When a video's length is known, the learner cannot have watched more of it than its length (segments are clipped).
SELECT learner_pid, course_id, video_id, watched_s, video_length_s
FROM {{ ref('engagement_learner_video') }}
WHERE video_length_s IS NOT NULL AND watched_s > video_length_s + 1e-9
