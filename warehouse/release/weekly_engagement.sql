-- One row per learner-course pair and week with activity, the week counted from the pair's first such week.
SELECT
    learner_pid,
    course_id AS course,
    (date_diff('day', min(week_start) OVER (PARTITION BY learner_pid, course_id), week_start) // 7)::INTEGER
        AS week_index,
    n_events,
    active_days,
    videos_played,
    problems_attempted,
    handbook_pages_viewed
FROM warehouse.engagement_learner_week
