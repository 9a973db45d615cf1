-- Each course of the structure has exactly the steps registered, viewed, module_<position>_completed for each of its
-- modules in position order, completed, passed, numbered 1, 2... One failing row per missing, extra or misplaced step.
WITH expected AS (
    SELECT course_id, 1 AS step_order, 'registered' AS step FROM {{ source('lola', 'dim_course') }}
    UNION ALL
    SELECT course_id, 2, 'viewed' FROM {{ source('lola', 'dim_course') }}
    UNION ALL
    SELECT course_id, 2 + row_number() OVER (PARTITION BY course_id ORDER BY position, module_id),
           'module_' || position || '_completed'
    FROM {{ source('lola', 'dim_course_module') }}
    UNION ALL
    SELECT c.course_id, count(m.module_id) + 3, 'completed'
    FROM {{ source('lola', 'dim_course') }} AS c
    LEFT JOIN {{ source('lola', 'dim_course_module') }} AS m USING (course_id)
    GROUP BY c.course_id
    UNION ALL
    SELECT c.course_id, count(m.module_id) + 4, 'passed'
    FROM {{ source('lola', 'dim_course') }} AS c
    LEFT JOIN {{ source('lola', 'dim_course_module') }} AS m USING (course_id)
    GROUP BY c.course_id
),
actual AS (
    SELECT course_id, step_order, step FROM {{ ref('funnel_course') }}
)
(SELECT *, 'missing' AS problem FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM actual))
UNION ALL
(SELECT *, 'unexpected' FROM (SELECT * FROM actual EXCEPT ALL SELECT * FROM expected))
