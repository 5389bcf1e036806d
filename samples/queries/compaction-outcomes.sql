-- compaction-outcomes.sql: How did direct compaction stalls end, per request order?
-- Per run and order: direct compaction stalls (the kernel's COMPACTSTALL), how many
-- got their page (success), failed, or were cut by the trace's end, and the
-- stall time. Order 9 is a THP on x86-64.
-- Needs the derived tables: run `mmreplay storms DB` once first.
SELECT run_id, "order",
       count(*) AS stalls,
       sum(outcome = 'success') AS success,
       sum(outcome = 'fail') AS fail,
       sum(outcome = 'unknown') AS unknown,
       round(100.0 * sum(outcome = 'success') / count(*), 1) AS success_pct,
       round(sum(duration_ns) / 1e6, 3) AS stall_ms
FROM compaction_stalls
GROUP BY run_id, "order"
ORDER BY run_id, "order";
