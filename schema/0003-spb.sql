-- 0003: superpageblock (SPB) category counts over model time, written by a replay
-- under the spb / spb_p43 policies (mmr_spb_store_samples()). One row per zone
-- sample: how many SPBs were clean (free + movable content only), tainted (holding
-- unmovable, reclaimable or highatomic content) and empty (all free) at model time ts.
CREATE TABLE spb_samples (
	run_id	INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	ts	INTEGER NOT NULL,	-- model ns, on the replayed run's clock
	zone	TEXT NOT NULL,
	clean	INTEGER NOT NULL,
	tainted	INTEGER NOT NULL,
	empty	INTEGER NOT NULL
);
CREATE INDEX spb_samples_run ON spb_samples (run_id, ts);
