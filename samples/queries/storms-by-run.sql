-- storms-by-run.sql: How do runs compare (a recording and its replays under
-- different policies): how many storms, how long, how much stall, and how
-- non-movable were the stalled requests?
-- One row per run that has been through `mmreplay storms DB`, storms or not.
SELECT r.run_id, r.kind, r.policy,
       count(s.storm) AS storms,
       round(coalesce(sum(s.duration_ns), 0) / 1e9, 3) AS storm_s,
       coalesce(sum(s.dr_entries), 0) AS dr_in_storms,
       round(coalesce(sum(s.stall_ns), 0) / 1e6, 1) AS stall_in_storms_ms,
       coalesce(sum(s.compact_stalls), 0) AS compact_stalls_in_storms,
       coalesce(sum(s.oom), 0) AS oom_in_storms,
       round(100.0 * sum(s.dr_entries - s.mt_movable) / nullif(sum(s.dr_entries), 0), 1)
	       AS nonmovable_pct
FROM runs AS r
JOIN storm_runs AS sr USING (run_id)
LEFT JOIN storms AS s ON s.run_id = r.run_id
GROUP BY r.run_id
ORDER BY r.run_id;
