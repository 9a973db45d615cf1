-- One row per learner-course pair of the analysts' copy (attached as `warehouse`): the values to release, and the
-- quasi-identifiers before generalization (course, course_language, arm, country, enrolled_on; hierarchies.py).
SELECT
    e.learner_pid,
    e.course_id AS course,
    c.language AS course_language,
    e.arm,
    nullif(upper(trim(r.country)), '') AS country,
    -- a calendar day of the warehouse's time zone (the connection's): never a time of day
    coalesce(l.enrolled_at, l.first_activity_at)::DATE AS enrolled_on,
    e.registered,
    e.unregistered,
    e.viewed,
    e.modules_started,
    e.explored,
    e.completed,
    e.passed,
    CASE WHEN e.grade IS NULL THEN NULL
         WHEN e.grade < 0.5 THEN '<0.50'
         WHEN e.grade < 0.8 THEN '0.50-0.79'
         ELSE '>=0.80' END AS grade_band,
    e.n_sessions,
    round(e.time_on_task_s)::BIGINT AS time_on_task_s,
    round(e.video_watched_s)::BIGINT AS video_watched_s,
    e.handbook_pages_viewed,
    e.handbook_downloads
FROM warehouse.engagement_learner_course AS e
LEFT JOIN warehouse.completion_learner_course AS l USING (learner_pid, course_id)
LEFT JOIN warehouse.dim_course_run AS c USING (course_id)
LEFT JOIN warehouse.dim_rct_assignment AS r USING (learner_pid)
