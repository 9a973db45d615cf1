-- Every local calendar day from the earliest to the latest of the statements' local days and the course windows.
WITH days AS (
    SELECT local_date AS day FROM {{ ref('statements') }}
    UNION ALL SELECT start_date FROM {{ source('lola', 'dim_course') }}
    UNION ALL SELECT end_date FROM {{ source('lola', 'dim_course') }}
),
calendar AS (
    SELECT unnest(generate_series(min(day), max(day), INTERVAL 1 DAY))::DATE AS "date"
    FROM days
    HAVING min(day) IS NOT NULL
)
SELECT "date",
       date_trunc('week', "date")::DATE AS week_start,
       isoyear("date")                  AS iso_year,
       week("date")                     AS iso_week,
       isodow("date")                   AS iso_day_of_week,
       strftime("date", '%Y-%m')        AS "month"
FROM calendar
ORDER BY "date"
