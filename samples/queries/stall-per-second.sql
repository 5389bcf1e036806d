-- stall-per-second.sql: Second by second, how much did tasks stall, and on what?
-- Per run and second from its start: direct reclaim entries, reclaim and compaction
-- stall (ms, summed over tasks: 1000 means one task stalled the whole second),
-- pages reclaimed, compaction stalls and successes, fragmenting fallbacks, failed
-- allocations and the peak PSI some avg10 where sampled.
-- Needs the derived tables: run `mmreplay storms DB` once first.
SELECT t.run_id, (t.start_ts - sr.start_ts) / 1000000000 AS second,
       sum(t.dr_entries) AS dr_entries,
       round(sum(t.dr_stall_ns) / 1e6, 3) AS dr_stall_ms,
       round(sum(t.compact_stall_ns) / 1e6, 3) AS compact_stall_ms,
       sum(t.dr_pages) AS pages_reclaimed,
       sum(t.compact_stalls) AS compact_stalls,
       sum(t.compact_success) AS compact_success,
       sum(t.fragmenting) AS fragmenting,
       sum(t.allocs_failed) AS allocs_failed,
       max(t.psi_some) AS psi_some_max
FROM storm_timeline AS t
JOIN storm_runs AS sr USING (run_id)
GROUP BY t.run_id, second
ORDER BY t.run_id, second;
