-- watched_s is the length of the union of the pair's segments on the video: segments sorted by start form islands
-- of overlapping or touching segments; each island adds (its last end - its first start),
-- summed with lola_float_sum (compensated on DuckDB: the same result whatever order the threads add in).
WITH reach AS (
    SELECT learner_pid, course_id, video_id, start_s, end_s,
           row_number() OVER by_start AS seq,
           max(end_s) OVER (PARTITION BY learner_pid, course_id, video_id ORDER BY start_s, end_s, statement_pid
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached_before
    FROM {{ ref('int_video_segments') }}
    WINDOW by_start AS (PARTITION BY learner_pid, course_id, video_id ORDER BY start_s, end_s, statement_pid)
),
islands AS (
    SELECT *,
           sum(CASE WHEN reached_before IS NULL OR start_s > reached_before THEN 1 ELSE 0 END)
               OVER (PARTITION BY learner_pid, course_id, video_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS island
    FROM reach
),
watched AS (
    SELECT learner_pid, course_id, video_id, {{ lola_float_sum('island_s') }} AS watched_s
    FROM (SELECT learner_pid, course_id, video_id, max(end_s) - min(start_s) AS island_s
          FROM islands
          GROUP BY learner_pid, course_id, video_id, island)
    GROUP BY learner_pid, course_id, video_id
)
SELECT v.learner_pid, v.course_id, v.video_id, v.plays, v.video_length_s,
       coalesce(w.watched_s, 0)                               AS watched_s,
       coalesce(w.watched_s, 0) / nullif(v.video_length_s, 0) AS share_watched,
       v.completed
FROM {{ ref('int_learner_videos') }} AS v
LEFT JOIN watched AS w USING (learner_pid, course_id, video_id)
ORDER BY v.course_id, v.learner_pid, v.video_id
