-- reclaim-efficiency.sql: Per run, did direct reclaim free what the stalled requests
-- needed, or much more (over-reclaim)?
-- Pages reclaimed by direct reclaim against the pages the requests asked for
-- (2^order each), the stall time per entry, and the run's span for scale.
-- Needs the derived tables: run `mmreplay storms DB` once first.
SELECT e.run_id, r.kind, r.policy,
       count(*) AS entries,
       sum(1 << e."order") AS pages_requested,
       coalesce(sum(e.nr_reclaimed), 0) AS pages_reclaimed,
       round(1.0 * coalesce(sum(e.nr_reclaimed), 0) / sum(1 << e."order"), 2) AS reclaim_per_need,
       round(sum(e.duration_ns) / 1e3 / count(*), 1) AS avg_stall_us,
       round((r.end_ts - r.start_ts) / 1e9, 3) AS span_s
FROM reclaim_episodes AS e
JOIN runs AS r USING (run_id)
WHERE e.kind = 'direct' AND e.open = 0
GROUP BY e.run_id
ORDER BY e.run_id;
