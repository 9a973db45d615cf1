SELECT course_id, module_id, position AS module_position, title, n_items, n_required
FROM {{ source('lola', 'dim_course_module') }}
ORDER BY course_id, position, module_id
