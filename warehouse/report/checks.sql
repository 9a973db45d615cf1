-- The checks of the latest run that recorded any, by asset and result.
WITH latest AS (SELECT run_id FROM warehouse.dq_results ORDER BY checked_at DESC LIMIT 1)
SELECT asset, CASE WHEN passed THEN 'passed' ELSE 'failed' END AS result, count(*) AS checks,
       string_agg(check_name, ', ' ORDER BY check_name) AS check_names
FROM warehouse.dq_results
WHERE run_id = (SELECT run_id FROM latest)
GROUP BY ALL
ORDER BY asset, result DESC
