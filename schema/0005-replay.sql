-- 0005: numbers a run reports about itself that are not events: the model's counters
-- at the end of a replay (over-reclaim, no-progress retries, order-9 success, mixed
-- pageblocks, superpageblock counts, ...). `mmreplay compare` prints them side by side.
-- Names are dotted, lower case, with the unit last where there is one
-- ("reclaim.over_reclaim_pages", "alloc.order9_success_ratio", "spb.clean_end").
CREATE TABLE run_metrics (
	run_id	INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
	name	TEXT NOT NULL,
	value	REAL NOT NULL,
	PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
