-- daemon-activity.sql: How busy were kswapd and kcompactd, per node?
-- Per run, daemon and node: wake-to-sleep intervals, time awake, the share of the
-- run's span awake, the longest interval, and whether the trace ended with the daemon
-- awake. A kswapd that never sleeps while tasks stall in direct reclaim could not
-- keep up.
-- Needs the derived tables: run `mmreplay storms DB` once first.
SELECT d.run_id, d.daemon, d.nid,
       count(*) AS intervals,
       sum(d.nr_wakes) AS wakes,
       round(sum(d.duration_ns) / 1e6, 3) AS awake_ms,
       round(100.0 * sum(d.duration_ns) / max(r.end_ts - r.start_ts, 1), 1) AS awake_pct,
       round(max(d.duration_ns) / 1e6, 3) AS longest_ms,
       max(d.open) AS awake_at_end
FROM daemon_intervals AS d
JOIN runs AS r USING (run_id)
GROUP BY d.run_id, d.daemon, d.nid
ORDER BY d.run_id, d.daemon, d.nid;
