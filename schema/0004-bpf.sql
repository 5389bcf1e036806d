-- 0004-bpf.sql: what only the BPF collector (`mmreplay record --bpf`) records.
--
-- The collector writes the same event rows as the tracefs recorder. In addition it
-- knows, for every stalled request (direct, memcg and node reclaim, compaction,
-- compaction and reclaim retries, throttling), the cgroup v2 id of the task that
-- stalled. The id is kept apart from the event tables, keyed by the event's
-- (run_id, seq), so the event tables stay the same for every source; the path is
-- resolved in userspace (the inode number of the cgroup's directory is its id).
--   SELECT path, count(*) FROM mm_vmscan_direct_reclaim_begin
--     JOIN event_cgroup_paths USING (run_id, seq) GROUP BY path;

-- 1 in N page blocks of the alloc/free stream was kept (the BPF collector's
-- --bpf-sample; sampled by a hash of the pfn, so a block's alloc and free go
-- together). NULL or 1: nothing was sampled out.
ALTER TABLE runs ADD COLUMN alloc_sample_rate INTEGER;

-- cgroup id -> path per run; path is relative to the cgroup v2 mount ("/" for the
-- root), NULL when the cgroup was gone before it could be named.
CREATE TABLE cgroups (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	cgroup_id	INTEGER NOT NULL,
	path		TEXT,
	PRIMARY KEY (run_id, cgroup_id)
) WITHOUT ROWID;

-- The cgroup of the task that hit a stall event: seq is the event's seq in its run.
CREATE TABLE event_cgroups (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	seq		INTEGER NOT NULL,
	cgroup_id	INTEGER NOT NULL,
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE VIEW event_cgroup_paths AS
	SELECT e.run_id, e.seq, e.cgroup_id, c.path
	FROM event_cgroups e LEFT JOIN cgroups c USING (run_id, cgroup_id);
