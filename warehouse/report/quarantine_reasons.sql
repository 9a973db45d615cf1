-- Reasons by kind (error_kind: what varies from one statement to the next taken out), the 12 most frequent, then
-- the rest as one bar. Counted per (source, kind): a statement with two reasons of a kind counts once.
WITH kinds AS (
    SELECT source, raw_sha256, error_kind(reason) AS reason
    FROM warehouse.quarantine, unnest(reasons) AS r(reason)
), counted AS (
    SELECT source, reason, count(DISTINCT raw_sha256) AS statements FROM kinds GROUP BY ALL
), ranked AS (
    SELECT reason, dense_rank() OVER (ORDER BY sum(statements) DESC, reason) AS rank
    FROM counted GROUP BY reason
)
SELECT c.source, CASE WHEN r.rank <= 12 THEN c.reason ELSE 'other reasons' END AS reason,
       least(r.rank, 13) AS reason_order, sum(c.statements) AS statements
FROM counted AS c
JOIN ranked AS r USING (reason)
GROUP BY ALL
ORDER BY reason_order, c.source
