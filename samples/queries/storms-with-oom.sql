-- storms-with-oom.sql: Which storms ended in OOM kills, and who was killed?
-- Every OOM victim (mark_victim) chosen during a storm, with the storm's size. No
-- rows: no storm killed anything.
-- Needs the derived tables and storms: run `mmreplay storms DB` once first.
SELECT s.run_id, s.storm,
       round((s.start_ts - r.start_ts) / 1e9, 3) AS storm_start_s,
       round(s.duration_ns / 1e9, 3) AS storm_s,
       s.dr_entries, round(s.stall_ns / 1e6, 1) AS stall_ms,
       round((v.ts - r.start_ts) / 1e9, 3) AS kill_s,
       v.victim_pid, v.comm, v.anon_rss, v.oom_score_adj
FROM storms AS s
JOIN runs AS r USING (run_id)
JOIN mark_victim AS v ON v.run_id = s.run_id AND v.ts >= s.start_ts AND v.ts < s.end_ts
ORDER BY s.run_id, s.storm, v.ts;
