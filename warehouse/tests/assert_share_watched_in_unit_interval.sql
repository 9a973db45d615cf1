-- engagement_learner_video.share_watched is a share in [0, 1]: segments are clipped to the video's length, so their
-- union cannot exceed it (1e-9 of slack for floating-point sums). One failing row per video row out of range.
SELECT learner_pid, course_id, video_id, watched_s, video_length_s, share_watched
FROM {{ ref('engagement_learner_video') }}
WHERE share_watched < 0 OR share_watched > 1 + 1e-9
