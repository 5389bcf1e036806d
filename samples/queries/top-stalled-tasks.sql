-- top-stalled-tasks.sql: Which tasks lost the most time to direct reclaim and direct
-- compaction over the whole run?
-- Per run and task: reclaim entries and stall, compaction stalls and stall, total.
-- The 10 worst tasks of every run.
-- Needs the derived tables: run `mmreplay storms DB` once first.
SELECT run_id, pid, comm, dr_entries, dr_stall_ms, compact_stalls, compact_stall_ms,
       round(dr_stall_ms + compact_stall_ms, 3) AS total_ms
FROM (
	SELECT x.run_id, x.pid, t.comm,
	       sum(x.dr) AS dr_entries, round(sum(x.dr_ns) / 1e6, 3) AS dr_stall_ms,
	       sum(x.cs) AS compact_stalls, round(sum(x.cs_ns) / 1e6, 3) AS compact_stall_ms,
	       row_number() OVER (PARTITION BY x.run_id
				  ORDER BY sum(x.dr_ns + x.cs_ns) DESC, x.pid) AS rank
	FROM (
		SELECT run_id, pid, 1 AS dr, duration_ns AS dr_ns, 0 AS cs, 0 AS cs_ns
		FROM reclaim_episodes WHERE kind = 'direct'
		UNION ALL
		SELECT run_id, pid, 0, 0, 1, duration_ns FROM compaction_stalls
	) AS x
	LEFT JOIN tasks AS t ON t.run_id = x.run_id AND t.pid = x.pid
	GROUP BY x.run_id, x.pid
)
WHERE rank <= 10
ORDER BY run_id, rank;
