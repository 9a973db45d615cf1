-- Adds the verb's category and short name, the object's role (video, problem, course) from its activity type,
-- and the statement's local calendar day and week (Monday start) in the configured time zone.
SELECT
    l.*,
    coalesce(v.category, 'other')                                               AS verb_category,
    v.verb_name,
    t.role                                                                      AS object_role,
    CAST({{ lola_local_time('l.timestamp') }} AS DATE)                          AS local_date,
    CAST(date_trunc('week', {{ lola_local_time('l.timestamp') }}) AS DATE)      AS week_start
FROM {{ source('lola', 'landed_statements') }} AS l
LEFT JOIN {{ source('lola', 'dim_verb') }} AS v USING (verb_id)
LEFT JOIN {{ source('lola', 'dim_activity_type') }} AS t ON t.activity_type = l.object_type
