-- One row per fct_module_completions row (pair × module of a structured course), with when the module was completed
-- and whether the learner started it.
WITH item_completions AS (
    SELECT c.learner_pid, c.course_id, i.module_id, i.required, c.completed_at
    FROM {{ ref('fct_item_completions') }} AS c
    JOIN {{ source('lola', 'dim_course_item') }} AS i ON i.course_id = c.course_id AND i.item_id = c.item_id
),
completion_times AS (
    SELECT learner_pid, course_id, module_id,
           max(completed_at) FILTER (WHERE required) AS last_required_completed_at,
           min(completed_at)                         AS first_item_completed_at
    FROM item_completions
    GROUP BY learner_pid, course_id, module_id
),
touched AS (
    -- A counted statement of the learner in the course on one of the module's items or on the module itself.
    SELECT s.learner_pid, s.course_id, i.module_id
    FROM {{ ref('statements') }} AS s
    JOIN {{ source('lola', 'dim_course_item') }} AS i ON i.course_id = s.course_id AND i.item_id = s.object_id
    UNION
    SELECT s.learner_pid, s.course_id, m.module_id
    FROM {{ ref('statements') }} AS s
    JOIN {{ source('lola', 'dim_course_module') }} AS m ON m.course_id = s.course_id AND m.module_id = s.object_id
)
SELECT
    m.learner_pid, m.course_id, m.module_id,
    m.position                   AS module_position,
    m.n_required                 AS items_required,
    m.n_required_done            AS items_required_completed,
    t.module_id IS NOT NULL      AS started,
    m.completed,
    CASE WHEN m.completed THEN
        CASE WHEN m.n_required > 0 THEN ct.last_required_completed_at ELSE ct.first_item_completed_at END
    END                          AS completed_at
FROM {{ ref('fct_module_completions') }} AS m
LEFT JOIN completion_times AS ct USING (learner_pid, course_id, module_id)
LEFT JOIN touched AS t USING (learner_pid, course_id, module_id)
ORDER BY m.course_id, m.learner_pid, m.position
