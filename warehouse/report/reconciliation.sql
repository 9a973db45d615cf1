-- Over every refresh, per source: read = loaded + quarantined + duplicates + erased + expired (contract §4).
WITH totals AS (
    SELECT source, sum(n_read) AS read, sum(n_loaded) AS loaded, sum(n_quarantined) AS quarantined,
           sum(n_duplicates) AS duplicate, sum(n_erased) AS erased, sum(n_expired) AS expired
    FROM warehouse.ingest_runs
    GROUP BY source
)
SELECT source, outcome, statements, read, balanced
FROM (SELECT *, read = loaded + quarantined + duplicate + erased + expired AS balanced FROM totals)
UNPIVOT (statements FOR outcome IN (loaded, quarantined, duplicate, erased, expired))
ORDER BY source, outcome
