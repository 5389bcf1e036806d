-- worst-stalls.sql: Which direct reclaim stalls were the longest, who stalled, and
-- what were they asking for?
-- The 20 longest direct reclaim episodes of every run, with the task's name, the
-- request (order, migratetype from its gfp bits) and the pages it reclaimed.
-- Needs the derived tables: run `mmreplay storms DB` once first.
-- open: 0 paired, 1 still in reclaim when the trace ended, 2 began before the trace.
SELECT e.run_id, e.pid, t.comm,
       round((e.start_ts - r.start_ts) / 1e9, 3) AS at_s,
       round(e.duration_ns / 1e6, 3) AS stall_ms,
       e."order", m.name AS migratetype, e.nr_reclaimed, e.open
FROM reclaim_episodes AS e
JOIN runs AS r USING (run_id)
LEFT JOIN tasks AS t ON t.run_id = e.run_id AND t.pid = e.pid
LEFT JOIN migratetypes AS m ON m.value = e.migratetype
WHERE e.kind = 'direct'
ORDER BY e.duration_ns DESC, e.run_id, e.start_ts
LIMIT 20;
