-- 0001-init.sql: schema v1 of an mmreplay database.
--
-- One file holds any number of runs: recordings, imports of trace.dat files,
-- replays and synthetic runs. Every event row carries run_id, ts (nanoseconds on
-- the run's trace clock), seq, cpu and pid (the task that hit the tracepoint), so
-- every query works on recorded and replayed data alike; a comparison is a
-- GROUP BY run_id.
--
-- seq is the event's position in its run's stream, unique within the run across
-- all event tables: ORDER BY ts, seq is the order the source delivered events in.
-- Event tables are clustered on (run_id, ts, seq) (WITHOUT ROWID): a run's events
-- are stored in time order, so range scans by run and time need no secondary
-- index, and a bulk load appends in key order.
--
-- Event tables are named after the kernel event and use the kernel's field names
-- (quote "order": it is an SQL keyword). Unsigned kernel values are stored as
-- their two's-complement 64-bit integer: a failed allocation has pfn = -1.
-- A kernel field named pid, which would collide with the common column, is
-- stored as victim_pid (oom victim events) or task_pid (oom_score_adj_update).
-- `extra` holds, as a JSON object, fields that this version of the tool does not
-- know (a newer kernel's additions); it is NULL normally. Events without a typed
-- table go to generic_events with all their fields as JSON: nothing is dropped.

CREATE TABLE meta (
	key	TEXT PRIMARY KEY,
	value	TEXT
);
INSERT INTO meta (key, value) VALUES ('application', 'mmreplay');

-- A run is one recording, one imported trace.dat, one replay or one synthetic run.
CREATE TABLE runs (
	run_id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('import', 'record', 'replay', 'synth')),
	source		TEXT,		-- file name, "tracefs", "bpf", or the replayed run
	host		TEXT,
	kernel_release	TEXT,
	clock		TEXT,		-- trace clock of ts ("local", "boot", "model", ...)
	nr_cpus		INTEGER,
	start_ts	INTEGER,	-- first and last event timestamps (ns)
	end_ts		INTEGER,
	nr_events	INTEGER NOT NULL DEFAULT 0,	-- event rows stored for the run
	complete	INTEGER NOT NULL DEFAULT 0,	-- 1 once the run ended cleanly
	policy		TEXT,		-- replays: the model policy
	params		TEXT,		-- replays/synth: parameters as JSON
	parent_run	INTEGER REFERENCES runs(run_id),	-- replays: the source run
	created		TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Ring-buffer losses per CPU. -1 where the source does not report a counter.
CREATE TABLE run_cpu_stats (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	cpu		INTEGER NOT NULL,
	lost_events	INTEGER NOT NULL DEFAULT 0,	-- events known to be dropped
	overrun		INTEGER NOT NULL DEFAULT -1,	-- overwritten in the ring buffer
	commit_overrun	INTEGER NOT NULL DEFAULT -1,
	dropped_events	INTEGER NOT NULL DEFAULT -1,
	read_events	INTEGER NOT NULL DEFAULT -1,
	PRIMARY KEY (run_id, cpu)
);

-- Whatever the source knows of the host: uname parts, page size, pageblock order,
-- vm sysctls ("sysctl.vm.defrag_mode"), tool versions.
CREATE TABLE host_facts (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	key		TEXT NOT NULL,
	value		TEXT,
	PRIMARY KEY (run_id, key)
);

-- Raw text of host files (/proc/zoneinfo, /proc/pagetypeinfo, /proc/buddyinfo, ...)
-- at the start and end of a recording.
CREATE TABLE snapshots (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	ts		INTEGER,
	phase		TEXT NOT NULL,	-- 'start' or 'end'
	source		TEXT NOT NULL,
	content		TEXT,
	PRIMARY KEY (run_id, phase, source)
);

-- Parsed /proc/zoneinfo: sizes and watermarks in pages.
CREATE TABLE zone_snapshots (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	phase		TEXT NOT NULL,
	node		INTEGER NOT NULL,
	zone		TEXT NOT NULL,
	zone_idx	INTEGER,
	spanned		INTEGER,
	present		INTEGER,
	managed		INTEGER,
	free		INTEGER,
	min		INTEGER,
	low		INTEGER,
	high		INTEGER,
	boost		INTEGER,
	start_pfn	INTEGER,
	PRIMARY KEY (run_id, phase, node, zone)
);

-- Parsed /proc/pagetypeinfo: free blocks per order and migratetype ...
CREATE TABLE free_area_snapshots (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	phase		TEXT NOT NULL,
	node		INTEGER NOT NULL,
	zone		TEXT NOT NULL,
	migratetype	TEXT NOT NULL,	-- the kernel's name: Unmovable, Movable, ...
	"order"		INTEGER NOT NULL,
	nr_free		INTEGER NOT NULL,	-- free buddies of this order (not pages)
	PRIMARY KEY (run_id, phase, node, zone, migratetype, "order")
);

-- ... and pageblocks per migratetype.
CREATE TABLE pageblock_snapshots (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	phase		TEXT NOT NULL,
	node		INTEGER NOT NULL,
	zone		TEXT NOT NULL,
	migratetype	TEXT NOT NULL,
	nr_blocks	INTEGER NOT NULL,
	PRIMARY KEY (run_id, phase, node, zone, migratetype)
);

-- Periodic samples of /proc/vmstat (one row per counter and sample).
CREATE TABLE vmstat_samples (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	ts		INTEGER NOT NULL,
	name		TEXT NOT NULL,
	value		INTEGER NOT NULL
);

-- Periodic samples of /proc/pressure/memory; avg* in percent, total in microseconds.
CREATE TABLE psi_samples (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	ts		INTEGER NOT NULL,
	some_avg10	REAL,
	some_avg60	REAL,
	some_avg300	REAL,
	some_total	INTEGER,
	full_avg10	REAL,
	full_avg60	REAL,
	full_avg300	REAL,
	full_total	INTEGER
);

-- pid -> comm, from the source's saved command lines.
CREATE TABLE tasks (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	pid		INTEGER NOT NULL,
	comm		TEXT,
	PRIMARY KEY (run_id, pid)
);

-- Migratetype numbers as traces print them.
CREATE TABLE migratetypes (
	value		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL
);
INSERT INTO migratetypes (value, name) VALUES
	(0, 'Unmovable'), (1, 'Movable'), (2, 'Reclaimable'), (3, 'HighAtomic'),
	(4, 'CMA'), (5, 'Isolate');

-- gfp flag bits of each run, read from the event print format of that run's
-- kernel (the bits move between versions). mask may cover several bits for the
-- composite names (GFP_KERNEL, ...); is_composite tells which.
CREATE TABLE gfp_flags (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	name		TEXT NOT NULL,
	mask		INTEGER NOT NULL,
	is_composite	INTEGER NOT NULL,
	PRIMARY KEY (run_id, name)
);

-- Events without a typed table, with every field as a JSON object.
CREATE TABLE generic_events (
	run_id		INTEGER NOT NULL,
	ts		INTEGER NOT NULL,
	seq		INTEGER NOT NULL,
	cpu		INTEGER,
	pid		INTEGER,
	system		TEXT NOT NULL,
	name		TEXT NOT NULL,
	fields		TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

-- Typed event tables, one per event (see libreplay/core/core-events.c).
CREATE TABLE mm_page_alloc (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	pfn	INTEGER,
	"order"	INTEGER,
	gfp_flags	INTEGER,
	migratetype	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_page_free (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	pfn	INTEGER,
	"order"	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_page_free_batched (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	pfn	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_page_alloc_zone_locked (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	pfn	INTEGER,
	"order"	INTEGER,
	migratetype	INTEGER,
	percpu_refill	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_page_pcpu_drain (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	pfn	INTEGER,
	"order"	INTEGER,
	migratetype	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_page_alloc_extfrag (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	pfn	INTEGER,
	alloc_order	INTEGER,
	fallback_order	INTEGER,
	alloc_migratetype	INTEGER,
	fallback_migratetype	INTEGER,
	change_ownership	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_begin (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	zone_start	INTEGER,
	migrate_pfn	INTEGER,
	free_pfn	INTEGER,
	zone_end	INTEGER,
	sync	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_end (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	zone_start	INTEGER,
	migrate_pfn	INTEGER,
	free_pfn	INTEGER,
	zone_end	INTEGER,
	sync	INTEGER,
	status	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_defer_compaction (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	idx	INTEGER,
	"order"	INTEGER,
	considered	INTEGER,
	defer_shift	INTEGER,
	order_failed	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_defer_reset (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	idx	INTEGER,
	"order"	INTEGER,
	considered	INTEGER,
	defer_shift	INTEGER,
	order_failed	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_deferred (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	idx	INTEGER,
	"order"	INTEGER,
	considered	INTEGER,
	defer_shift	INTEGER,
	order_failed	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_fast_isolate_freepages (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	start_pfn	INTEGER,
	end_pfn	INTEGER,
	nr_scanned	INTEGER,
	nr_taken	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_isolate_freepages (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	start_pfn	INTEGER,
	end_pfn	INTEGER,
	nr_scanned	INTEGER,
	nr_taken	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_isolate_migratepages (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	start_pfn	INTEGER,
	end_pfn	INTEGER,
	nr_scanned	INTEGER,
	nr_taken	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_finished (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	idx	INTEGER,
	"order"	INTEGER,
	ret	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_suitable (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	idx	INTEGER,
	"order"	INTEGER,
	ret	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_kcompactd_sleep (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_kcompactd_wake (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	"order"	INTEGER,
	highest_zoneidx	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_wakeup_kcompactd (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	"order"	INTEGER,
	highest_zoneidx	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_migratepages (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nr_migrated	INTEGER,
	nr_failed	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_compaction_try_to_compact_pages (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	"order"	INTEGER,
	gfp_mask	INTEGER,
	prio	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_direct_reclaim_begin (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	"order"	INTEGER,
	gfp_flags	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_direct_reclaim_end (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nr_reclaimed	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_kswapd_wake (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	zid	INTEGER,
	"order"	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_kswapd_sleep (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_wakeup_kswapd (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	zid	INTEGER,
	"order"	INTEGER,
	gfp_flags	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_lru_shrink_inactive (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	nr_scanned	INTEGER,
	nr_reclaimed	INTEGER,
	nr_dirty	INTEGER,
	nr_writeback	INTEGER,
	nr_congested	INTEGER,
	nr_immediate	INTEGER,
	nr_activate0	INTEGER,
	nr_activate1	INTEGER,
	nr_ref_keep	INTEGER,
	nr_unmap_fail	INTEGER,
	priority	INTEGER,
	reclaim_flags	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_lru_shrink_active (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	nr_taken	INTEGER,
	nr_active	INTEGER,
	nr_deactivated	INTEGER,
	nr_referenced	INTEGER,
	priority	INTEGER,
	reclaim_flags	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_memcg_reclaim_begin (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	"order"	INTEGER,
	gfp_flags	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_memcg_reclaim_end (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nr_reclaimed	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_memcg_softlimit_reclaim_begin (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	"order"	INTEGER,
	gfp_flags	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_memcg_softlimit_reclaim_end (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nr_reclaimed	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_node_reclaim_begin (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	"order"	INTEGER,
	gfp_flags	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_node_reclaim_end (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nr_reclaimed	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mm_vmscan_throttled (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	nid	INTEGER,
	usec_timeout	INTEGER,
	usec_delayed	INTEGER,
	reason	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE compact_retry (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	"order"	INTEGER,
	priority	INTEGER,
	result	INTEGER,
	retries	INTEGER,
	max_retries	INTEGER,
	ret	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE reclaim_retry_zone (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	node	INTEGER,
	zone_idx	INTEGER,
	"order"	INTEGER,
	reclaimable	INTEGER,
	available	INTEGER,
	min_wmark	INTEGER,
	no_progress_loops	INTEGER,
	wmark_check	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE mark_victim (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	victim_pid	INTEGER,
	comm	TEXT,
	total_vm	INTEGER,
	anon_rss	INTEGER,
	file_rss	INTEGER,
	shmem_rss	INTEGER,
	uid	INTEGER,
	pgtables	INTEGER,
	oom_score_adj	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE oom_score_adj_update (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	task_pid	INTEGER,
	comm	TEXT,
	oom_score_adj	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE wake_reaper (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	victim_pid	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE start_task_reaping (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	victim_pid	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE finish_task_reaping (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	victim_pid	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE skip_task_reaping (
	run_id	INTEGER NOT NULL,
	ts	INTEGER NOT NULL,
	seq	INTEGER NOT NULL,
	cpu	INTEGER,
	pid	INTEGER,
	victim_pid	INTEGER,
	extra	TEXT,
	PRIMARY KEY (run_id, ts, seq)
) WITHOUT ROWID;
