-- A `played` statement opens a segment at its position; the next video-category statement of the pair on the same
-- video closes it (contract §4.2). Only segments that count (both ends known, end > start after clipping) are kept.
WITH ordered AS (
    SELECT learner_pid, course_id, object_id AS video_id, statement_pid, timestamp, verb_name, video_time_s,
           lead(verb_name)         OVER next_one AS next_verb,
           lead(video_time_s)      OVER next_one AS next_time_s,
           lead(video_time_from_s) OVER next_one AS next_time_from_s,
           lead(statement_pid)     OVER next_one AS next_statement_pid
    FROM {{ ref('statements') }}
    WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL
      AND verb_category = 'video' AND object_role = 'video'
    WINDOW next_one AS (PARTITION BY learner_pid, course_id, object_id
                        ORDER BY timestamp, stored NULLS FIRST, statement_pid)
),
opened AS (
    SELECT * FROM (
        SELECT learner_pid, course_id, video_id, statement_pid, timestamp AS played_at,
               next_statement_pid AS closing_statement_pid, next_verb AS closed_by,
               video_time_s AS start_s,
               CASE WHEN next_verb IN ('paused', 'completed', 'terminated') THEN next_time_s
                    WHEN next_verb = 'seeked' THEN next_time_from_s END AS end_s
        FROM ordered
        WHERE verb_name = 'played'
    )
    -- A missing position or another closing verb drops the segment here, before clipping (greatest() skips NULLs).
    WHERE start_s IS NOT NULL AND end_s IS NOT NULL
),
clipped AS (
    SELECT o.learner_pid, o.course_id, o.video_id, o.statement_pid, o.played_at, o.closing_statement_pid,
           o.closed_by, v.video_length_s,
           CASE WHEN v.video_length_s IS NULL THEN o.start_s
                ELSE least(greatest(o.start_s, 0), v.video_length_s) END AS start_s,
           CASE WHEN v.video_length_s IS NULL THEN o.end_s
                ELSE least(greatest(o.end_s, 0), v.video_length_s) END   AS end_s
    FROM opened AS o
    JOIN {{ ref('int_learner_videos') }} AS v USING (learner_pid, course_id, video_id)
)
SELECT learner_pid, course_id, video_id, statement_pid, played_at, closing_statement_pid, closed_by,
       start_s, end_s, end_s - start_s AS segment_s
FROM clipped
WHERE end_s > start_s
