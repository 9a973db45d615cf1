SELECT i.course_id, i.item_id, i.module_id, m.position AS module_position, i.item_type, i.required, i.title,
       i.video_length_s
FROM {{ source('lola', 'dim_course_item') }} AS i
JOIN {{ source('lola', 'dim_course_module') }} AS m USING (course_id, module_id)
ORDER BY i.course_id, m.position, i.item_id
