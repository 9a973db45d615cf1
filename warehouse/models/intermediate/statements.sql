-- A statement is voided when any valid voiding statement targets it, whatever file or run that one came in.
WITH voided AS (
    SELECT DISTINCT voided_statement_pid AS statement_pid
    FROM {{ ref('stg_statements') }}
    WHERE verb_category = 'voiding' AND voided_statement_pid IS NOT NULL
)
SELECT s.* EXCEPT (voided_statement_pid, statement_json), s.statement_json
FROM {{ ref('stg_statements') }} AS s
LEFT JOIN voided AS v ON v.statement_pid = s.statement_pid
WHERE s.verb_category <> 'voiding' AND v.statement_pid IS NULL
