SELECT i.course_id, i.item_id AS video_id, i.module_id, m.position AS module_position, i.title, i.required,
       i.video_length_s
FROM {{ source('lola', 'dim_course_item') }} AS i
JOIN {{ source('lola', 'dim_course_module') }} AS m USING (course_id, module_id)
WHERE i.item_type = 'video'
ORDER BY i.course_id, m.position, i.item_id
