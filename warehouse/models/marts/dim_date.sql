-- Every local calendar day from the earliest to the latest of the statements' local days and the course windows.
WITH days AS (
    SELECT local_date AS day FROM {{ ref('statements') }}
    UNION ALL SELECT start_date FROM {{ source('lola', 'dim_course') }}
    UNION ALL SELECT end_date FROM {{ source('lola', 'dim_course') }}
),
calendar AS (
    SELECT {{ lola_each_date('first_day', 'last_day', 1) }} AS {{ adapter.quote('date') }}
    FROM (SELECT min(day) AS first_day, max(day) AS last_day FROM days) AS bounds
    WHERE first_day IS NOT NULL
)
SELECT {{ adapter.quote('date') }},
       CAST(date_trunc('week', {{ adapter.quote('date') }}) AS DATE) AS week_start,
       {{ lola_iso_calendar(adapter.quote('date')) }}
FROM calendar
ORDER BY {{ adapter.quote('date') }}
