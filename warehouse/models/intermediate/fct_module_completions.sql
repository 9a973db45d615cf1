-- A module is completed when every required item in it is complete or, for a module with no required item,
-- once any of its items is complete (contract §4).
WITH pairs AS (
    SELECT DISTINCT learner_pid, course_id
    FROM {{ ref('statements') }}
    WHERE learner_pid IS NOT NULL AND course_id IS NOT NULL
),
module_items AS (
    SELECT p.learner_pid, p.course_id, m.module_id, m.position,
           count(i.item_id) FILTER (WHERE i.required) AS n_required,
           count(d.item_id) FILTER (WHERE i.required) AS n_required_done,
           count(d.item_id)                           AS n_done,
           max(d.completed_at)                        AS last_item_completed_at
    FROM pairs AS p
    JOIN {{ source('lola', 'dim_course_module') }} AS m ON m.course_id = p.course_id
    LEFT JOIN {{ source('lola', 'dim_course_item') }} AS i ON i.course_id = m.course_id AND i.module_id = m.module_id
    LEFT JOIN {{ ref('fct_item_completions') }} AS d
           ON d.learner_pid = p.learner_pid AND d.course_id = p.course_id AND d.item_id = i.item_id
    GROUP BY ALL
)
SELECT learner_pid, course_id, module_id, position, n_required, n_required_done, n_done,
       CASE WHEN n_required > 0 THEN n_required_done = n_required ELSE n_done > 0 END AS completed
FROM module_items
