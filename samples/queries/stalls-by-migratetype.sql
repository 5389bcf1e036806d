-- stalls-by-migratetype.sql: Which kinds of requests stalled in direct reclaim, and
-- did the reclaim pay off for them?
-- Per run and request migratetype: direct reclaim entries, stall time, pages
-- reclaimed and pages per entry. Under vm.defrag_mode=1 before the fix series,
-- unmovable requests reclaim movable pages they cannot use: many entries, little use.
-- Needs the derived tables: run `mmreplay storms DB` once first.
SELECT e.run_id, coalesce(m.name, 'unknown') AS migratetype,
       count(*) AS entries,
       round(sum(e.duration_ns) / 1e6, 3) AS stall_ms,
       coalesce(sum(e.nr_reclaimed), 0) AS pages,
       round(1.0 * coalesce(sum(e.nr_reclaimed), 0) / count(*), 1) AS pages_per_entry
FROM reclaim_episodes AS e
LEFT JOIN migratetypes AS m ON m.value = e.migratetype
WHERE e.kind = 'direct' AND e.open != 2
GROUP BY e.run_id, e.migratetype
ORDER BY e.run_id, e.migratetype;
