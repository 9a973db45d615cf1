-- stg_statements
-- grain: one row per valid statement landed from any source, de-duplicated by statement id (voided and voiding included)
-- depends on: landed_statements, dim_verb, dim_activity_type
-- Adds the verb's category and short name, the object's role (video, problem, course) from its activity type,
-- and the statement's local calendar day and week (Monday start) in the configured time zone.
SELECT
    l.*,
    coalesce(v.category, 'other')                                        AS verb_category,
    v.verb_name,
    t.role                                                               AS object_role,
    timezone(getvariable('timezone'), l."timestamp")::DATE               AS local_date,
    date_trunc('week', timezone(getvariable('timezone'), l."timestamp"))::DATE AS week_start
FROM landed_statements AS l
LEFT JOIN dim_verb AS v USING (verb_id)
LEFT JOIN dim_activity_type AS t ON t.activity_type = l.object_type
