-- Courses of the structure and courses met only in the statements (such as a webinar course the LMS export leaves
-- out); the structure's attributes are NULL for the latter.
WITH statement_courses AS (
    SELECT course_id, language FROM {{ ref('statements') }} WHERE course_id IS NOT NULL
),
courses AS (
    SELECT course_id FROM {{ source('lola', 'dim_course') }}
    UNION
    SELECT course_id FROM statement_courses
),
statement_language AS (
    -- The most frequent language of the course's statements; ties go to the alphabetically first.
    SELECT course_id, language
    FROM (SELECT course_id, language, count(*) AS n_statements
          FROM statement_courses
          WHERE language IS NOT NULL
          GROUP BY course_id, language) AS per_language
    QUALIFY row_number() OVER (PARTITION BY course_id ORDER BY n_statements DESC, language) = 1
)
SELECT c.course_id, d.title, d.start_date, d.end_date, d.n_modules,
       coalesce(d.language, l.language) AS language
FROM courses AS c
LEFT JOIN {{ source('lola', 'dim_course') }} AS d USING (course_id)
LEFT JOIN statement_language AS l USING (course_id)
ORDER BY c.course_id
