-- 0002-storms.sql: derived tables of the storms module (libreplay/storms/).
--
-- Written by `mmreplay storms`, `mmreplay plot` and by replays (mmr_storms_derive()),
-- never by an import: they are a function of one run's event rows and of the options
-- recorded in storm_runs, and are rewritten whole (per run) when derived again. They
-- look the same for recorded and replayed runs. Times are ns on the run's trace clock,
-- durations ns, page counts in base pages.
--
-- Storm definition (mmr_storms_detect(), options of `mmreplay storms`):
--   A timeline bucket (bucket_ns, default 100 ms) is hot when its stall load
--   (direct reclaim plus direct compaction stall time overlapping the bucket, over
--   the bucket's length) is at least stall_pct (default 10 %), or when stall entries
--   (direct reclaim entries plus direct compaction stalls) per second reach
--   entries_per_s (default 50). Maximal runs of hot buckets are bursts; bursts whose
--   gap is at most merge_gap_ns (default 1 s) are merged; a merged interval is a
--   storm when it lasts at least min_len_ns (default 500 ms) and holds at least
--   min_entries (default 20) stall entries. Ties and order are fixed: the result is
--   a function of the rows and the options only.

-- What was derived for a run and with which options (one row per derived run).
CREATE TABLE storm_runs (
	run_id		INTEGER PRIMARY KEY REFERENCES runs(run_id),
	nr_events	INTEGER NOT NULL,	-- runs.nr_events when derived (stale if it changed)
	start_ts	INTEGER,		-- the timeline's origin (run start)
	end_ts		INTEGER,
	bucket_ns	INTEGER NOT NULL,	-- timeline bucket length
	pageblock_order	INTEGER NOT NULL,	-- fragmenting = fallback_order < this
	gfp_source	TEXT NOT NULL,		-- whose gfp_flags table gave the migratetype bits:
						-- 'run', 'parent' (a replay's source run) or 'default'
	stray_ends	INTEGER NOT NULL DEFAULT 0,	-- end events without a begin (trace began mid-episode)
	-- detection options of the last mmr_storms_detect() (NULL until detected)
	stall_pct	REAL,
	entries_per_s	REAL,
	merge_gap_ns	INTEGER,
	min_len_ns	INTEGER,
	min_entries	INTEGER,
	top_tasks	INTEGER
);

-- Reclaim episodes: mm_vmscan_{direct,memcg,memcg_softlimit,node}_reclaim_begin paired
-- with the matching _end of the same pid (innermost open begin first, so nesting and
-- interleaving across tasks pair correctly).
--   open = 0: paired; 1: begin without end (still in reclaim when the trace ended:
--   end_ts is the run's end, nr_reclaimed NULL); 2: end without begin (the trace began
--   inside it: start_ts is the run's start, order/gfp NULL).
-- migratetype is the request's, from its gfp bits as the kernel computes it
-- (gfp_migratetype(): __GFP_MOVABLE -> 1, __GFP_RECLAIMABLE -> 2), with the bit values
-- of that run's kernel (gfp_flags table; see storm_runs.gfp_source).
CREATE TABLE reclaim_episodes (
	run_id		INTEGER NOT NULL,
	kind		TEXT NOT NULL,		-- 'direct', 'memcg', 'memcg_softlimit', 'node'
	pid		INTEGER,
	cpu		INTEGER,
	start_ts	INTEGER NOT NULL,
	end_ts		INTEGER NOT NULL,
	duration_ns	INTEGER NOT NULL,	-- end_ts - start_ts: the stall
	depth		INTEGER NOT NULL,	-- open episodes of this pid and kind around it
	"order"		INTEGER,
	gfp_flags	INTEGER,
	migratetype	INTEGER,		-- see migratetypes
	nid		INTEGER,		-- node reclaim only
	nr_reclaimed	INTEGER,		-- pages, from the end event
	open		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reclaim_episodes_run ON reclaim_episodes (run_id, kind, start_ts);

-- Zone compaction runs: mm_compaction_begin paired with mm_compaction_end per pid.
-- source: 'kcompactd' (pid emits kcompactd wake/sleep or is named kcompactd*),
-- 'kswapd', or 'direct' (an allocating task, or a write to /proc/sys/vm/compact_*).
-- status: enum compact_result of the end event (8 success, 5 complete, 1 skipped,
-- ... as printed by the kernel's trace format); open as in reclaim_episodes.
CREATE TABLE compaction_runs (
	run_id		INTEGER NOT NULL,
	pid		INTEGER,
	cpu		INTEGER,
	source		TEXT NOT NULL,
	start_ts	INTEGER NOT NULL,
	end_ts		INTEGER NOT NULL,
	duration_ns	INTEGER NOT NULL,
	zone_start	INTEGER,
	zone_end	INTEGER,
	sync		INTEGER,
	status		INTEGER,
	open		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX compaction_runs_run ON compaction_runs (run_id, start_ts);

-- Direct compaction stalls (the kernel's COMPACTSTALL): one per
-- mm_compaction_try_to_compact_pages. The stall lasts until that task's next
-- allocation result (mm_page_alloc), its next stall, its next direct reclaim, or the
-- end of the trace, whichever comes first (an allocation result is looked for up to
-- 10 s after the stall began). outcome (the kernel's COMPACTSUCCESS /
-- COMPACTFAIL): 'success' when it ends with a successful mm_page_alloc of that order,
-- or, without allocation events (or with only some of them: a BPF recording with
-- bpf.sample_rate > 1, bpf.min_order > 0 or bpf.unmovable_only), when a zone's
-- compaction ended with status success; 'fail' otherwise; 'unknown' when the trace
-- ended during it.
CREATE TABLE compaction_stalls (
	run_id		INTEGER NOT NULL,
	pid		INTEGER,
	cpu		INTEGER,
	start_ts	INTEGER NOT NULL,
	end_ts		INTEGER NOT NULL,
	duration_ns	INTEGER NOT NULL,
	"order"		INTEGER,
	gfp_flags	INTEGER,
	migratetype	INTEGER,
	prio		INTEGER,
	zones_compacted	INTEGER NOT NULL,	-- mm_compaction_begin events inside
	zones_deferred	INTEGER NOT NULL,	-- mm_compaction_deferred events inside
	best_status	INTEGER,		-- highest compact_result of the zones (NULL if none)
	outcome		TEXT NOT NULL		-- 'success', 'fail', 'unknown'
);
CREATE INDEX compaction_stalls_run ON compaction_stalls (run_id, start_ts);

-- kswapd and kcompactd activity: from a wake event of the daemon (emitted by the
-- daemon itself) to its next sleep event on the same node. More wakes before the
-- sleep (another balancing pass) are counted in nr_wakes. open: 1 when the trace
-- ended with the daemon awake (end_ts = run end).
CREATE TABLE daemon_intervals (
	run_id		INTEGER NOT NULL,
	daemon		TEXT NOT NULL,		-- 'kswapd' or 'kcompactd'
	nid		INTEGER,
	pid		INTEGER,
	start_ts	INTEGER NOT NULL,
	end_ts		INTEGER NOT NULL,
	duration_ns	INTEGER NOT NULL,
	"order"		INTEGER,		-- highest order asked in the wakes
	nr_wakes	INTEGER NOT NULL,
	open		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX daemon_intervals_run ON daemon_intervals (run_id, daemon, start_ts);

-- mm_page_alloc_extfrag classified. fragmenting: the fallback split a block smaller
-- than a pageblock (fallback_order < storm_runs.pageblock_order), mixing
-- migratetypes inside a pageblock. change_ownership: the pageblock was claimed for
-- the requested migratetype.
CREATE TABLE extfrag_events (
	run_id		INTEGER NOT NULL,
	ts		INTEGER NOT NULL,
	pid		INTEGER,
	pfn		INTEGER,
	alloc_order	INTEGER,
	fallback_order	INTEGER,
	requested_mt	INTEGER,		-- alloc_migratetype
	fallback_mt	INTEGER,		-- the free list stolen from
	change_ownership INTEGER,
	fragmenting	INTEGER NOT NULL
);
CREATE INDEX extfrag_events_run ON extfrag_events (run_id, ts);

-- The per-bucket timeline, every bucket from the run's start to its end (bucket i
-- covers [start_ts, start_ts + bucket_ns)). Stall time is split across the buckets
-- an episode overlaps (so it sums to the episodes' total); entries, pages and
-- outcomes count in the bucket where the event happened (pages: the end event).
-- Stall load = (dr_stall_ns + compact_stall_ns) / bucket_ns; it exceeds 1 when
-- several tasks stall at once.
CREATE TABLE storm_timeline (
	run_id		INTEGER NOT NULL,
	bucket		INTEGER NOT NULL,
	start_ts	INTEGER NOT NULL,
	dr_entries	INTEGER NOT NULL,	-- direct reclaim begins
	dr_stall_ns	INTEGER NOT NULL,
	dr_pages	INTEGER NOT NULL,	-- pages direct reclaim freed
	compact_stalls	INTEGER NOT NULL,
	compact_success	INTEGER NOT NULL,
	compact_fail	INTEGER NOT NULL,
	compact_stall_ns INTEGER NOT NULL,
	kswapd_ns	INTEGER NOT NULL,	-- kswapd awake time in the bucket
	kcompactd_ns	INTEGER NOT NULL,
	extfrag		INTEGER NOT NULL,
	fragmenting	INTEGER NOT NULL,
	allocs_unmovable INTEGER NOT NULL,	-- mm_page_alloc rows by migratetype column (a
						-- sampled BPF run stores 1 in bpf.sample_rate)
	allocs_movable	INTEGER NOT NULL,
	allocs_reclaimable INTEGER NOT NULL,
	allocs_other	INTEGER NOT NULL,
	allocs_failed	INTEGER NOT NULL,	-- pfn = -1
	oom		INTEGER NOT NULL,	-- mark_victim events
	psi_some	REAL,			-- max some avg10 (%) sampled in the bucket
	psi_full	REAL,
	PRIMARY KEY (run_id, bucket)
) WITHOUT ROWID;

-- Storms (see the definition at the top); storm numbers start at 1 per run, in
-- time order. Stall figures cover the direct reclaim episodes that began inside
-- the storm. efficiency = pages_reclaimed / dr_entries. The migratetype mix is that
-- of the requests that entered direct reclaim; nonmovable_pct = 100 * (all but
-- movable) / dr_entries: the defrag_mode storm is non-movable requests reclaiming
-- movable pages they cannot use.
CREATE TABLE storms (
	run_id		INTEGER NOT NULL,
	storm		INTEGER NOT NULL,
	start_ts	INTEGER NOT NULL,
	end_ts		INTEGER NOT NULL,
	duration_ns	INTEGER NOT NULL,
	dr_entries	INTEGER NOT NULL,
	stall_ns	INTEGER NOT NULL,	-- direct reclaim stall, total
	stall_p50_ns	INTEGER,
	stall_p99_ns	INTEGER,
	stall_max_ns	INTEGER,
	pages_reclaimed	INTEGER NOT NULL,
	efficiency	REAL,			-- pages per stalled request
	compact_stalls	INTEGER NOT NULL,
	compact_success	INTEGER NOT NULL,
	compact_fail	INTEGER NOT NULL,
	compact_stall_ns INTEGER NOT NULL,
	fragmenting	INTEGER NOT NULL,
	oom		INTEGER NOT NULL,
	mt_unmovable	INTEGER NOT NULL,	-- direct reclaim entries per request migratetype
	mt_movable	INTEGER NOT NULL,
	mt_reclaimable	INTEGER NOT NULL,
	mt_other	INTEGER NOT NULL,
	nonmovable_pct	REAL,
	peak_load	REAL,			-- highest bucket stall load
	psi_some_max	REAL,
	psi_full_max	REAL,
	PRIMARY KEY (run_id, storm)
) WITHOUT ROWID;

-- The tasks that stalled most in each storm (storm_runs.top_tasks of them), by
-- stall time (direct reclaim plus direct compaction), then pid.
CREATE TABLE storm_tasks (
	run_id		INTEGER NOT NULL,
	storm		INTEGER NOT NULL,
	rank		INTEGER NOT NULL,
	pid		INTEGER,
	comm		TEXT,			-- from tasks (a replay: its source run's), or NULL
	dr_entries	INTEGER NOT NULL,
	compact_stalls	INTEGER NOT NULL,
	stall_ns	INTEGER NOT NULL,
	pages_reclaimed	INTEGER NOT NULL,
	PRIMARY KEY (run_id, storm, rank)
) WITHOUT ROWID;
