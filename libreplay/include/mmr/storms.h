/* SPDX-License-Identifier: MIT */
/*
 * mmr/storms.h - derived tables (paired reclaim and compaction episodes, daemon
 * intervals, classified fallbacks, a bucketed timeline), storm detection, run
 * summaries and the timeline plot. Included by mmr.h; do not include it on its own.
 *
 * The tables and the storm definition are documented in schema/0002-storms.sql.
 * Everything here reads one run's event rows and writes derived rows of that run
 * only, the same way for recorded, imported and replayed runs.
 */
#ifndef MMR_STORMS_H
#define MMR_STORMS_H

/**
 * struct mmr_storm_opts - thresholds of derivation and detection.
 * Fill with mmr_storm_opts_init(), change what you need, check with
 * mmr_storm_opts_check().
 */
struct mmr_storm_opts {
	/* derivation */
	uint64_t	bucket_ns;	/* timeline bucket; default 100 ms */
	int		pageblock_order;	/* fragmenting = fallback_order below it; default
					 * -1: the run's host fact "pageblock_order", else 9 */
	/* detection */
	double		stall_pct;	/* a bucket is hot at this stall load, % of the bucket's
					 * time spent stalled (summed over tasks); default 10 */
	double		entries_per_s;	/* ... or at this many stall entries (direct reclaim
					 * entries + direct compaction stalls) per second;
					 * default 50; 0 disables this criterion */
	uint64_t	merge_gap_ns;	/* bursts this close or closer merge; default 1 s */
	uint64_t	min_len_ns;	/* shorter merged intervals are not storms; default 500 ms */
	uint64_t	min_entries;	/* storms hold at least this many stall entries; default 20 */
	unsigned int	top_tasks;	/* storm_tasks rows per storm; default 5 */
};

#define MMR_STORM_DEFAULT_BUCKET_NS	100000000ull
#define MMR_STORM_DEFAULT_STALL_PCT	10.0
#define MMR_STORM_DEFAULT_ENTRIES_PER_S	50.0
#define MMR_STORM_DEFAULT_MERGE_GAP_NS	1000000000ull
#define MMR_STORM_DEFAULT_MIN_LEN_NS	500000000ull
#define MMR_STORM_DEFAULT_MIN_ENTRIES	20
#define MMR_STORM_DEFAULT_TOP_TASKS	5
#define MMR_STORM_DEFAULT_PAGEBLOCK_ORDER 9

MMR_API void mmr_storm_opts_init(struct mmr_storm_opts *o);
/* Return: 0, or -MMR_E_INVAL (the bad option is named in a logged error). */
MMR_API int mmr_storm_opts_check(const struct mmr_storm_opts *o);

/**
 * mmr_storms_derive() - (Re)write every derived table of one run: reclaim_episodes,
 * compaction_runs, compaction_stalls, daemon_intervals, extfrag_events,
 * storm_timeline and storm_runs (and clears its storms, which depend on them).
 * @o: NULL for defaults.
 * Deletes the run's old derived rows first; the result depends only on the run's
 * rows and @o. Runs inside the caller's transaction when one is open (as a
 * SAVEPOINT, so it nests), otherwise in its own: on error nothing is changed.
 * Rows a caller still buffers in an mmr_writer are not seen: flush it first.
 * Return: 0, -MMR_E_NO_RUN, -MMR_E_INVAL, or a store error.
 */
MMR_API int mmr_storms_derive(struct mmr_store *st, int64_t run_id,
			      const struct mmr_storm_opts *o);

/**
 * mmr_storms_derived() - Whether @run_id's derived tables are current for @o
 * (derived with the same bucket and pageblock order, from as many events as the
 * run holds now). @o NULL for defaults.
 * Return: 1 current, 0 not, or a negative error.
 */
MMR_API int mmr_storms_derived(struct mmr_store *st, int64_t run_id,
			       const struct mmr_storm_opts *o);

/**
 * mmr_storms_detect() - (Re)write the storms and storm_tasks rows of one run from its
 * derived timeline, which must exist (mmr_storms_derive()). Transactions as there.
 * Return: 0, -MMR_E_NO_RUN, -MMR_E_NO_DATA (not derived), -MMR_E_INVAL, or a store
 * error.
 */
MMR_API int mmr_storms_detect(struct mmr_store *st, int64_t run_id,
			      const struct mmr_storm_opts *o);

/* Whole-run figures, read from the derived tables (all counts of events, ns, pages). */
struct mmr_storm_summary {
	uint64_t	storms;			/* storms detected */
	uint64_t	storm_ns;		/* their total duration */
	uint64_t	dr_entries;		/* direct reclaim episodes (open ones included) */
	uint64_t	dr_stall_ns;		/* their total duration */
	uint64_t	dr_pages;		/* pages they reclaimed */
	uint64_t	dr_open;		/* episodes the trace cut (open != 0) */
	uint64_t	compact_stalls, compact_success, compact_fail;
	uint64_t	compact_stall_ns;
	uint64_t	extfrag;		/* all fallbacks */
	uint64_t	fragmenting;		/* fallbacks below pageblock order */
	uint64_t	oom;			/* mark_victim events */
	uint64_t	kswapd_ns;		/* kswapd awake, summed over nodes */
	uint64_t	kcompactd_ns;
	uint64_t	span_ns;		/* run end - run start */
	uint64_t	dr_nonmovable;		/* direct reclaim entries by non-movable requests */
};

/* Return: 0, -MMR_E_NO_RUN, -MMR_E_NO_DATA (not derived), or a store error. */
MMR_API int mmr_storms_summary(struct mmr_store *st, int64_t run_id,
			       struct mmr_storm_summary *out);

/**
 * mmr_plot_svg() - Draw the timelines of @nr_runs runs into a self-contained SVG:
 * one lane per run with panels for stall load, direct reclaim, compaction, fragmenting
 * fallbacks and (where sampled) PSI, storms shaded, time in seconds from each run's
 * start on a shared axis.
 * @labels: lane titles, NULL (or a NULL entry) for "run N: kind policy". Borrowed.
 * @o: derivation options for runs not derived yet (they are derived, so @st must be
 *	writable then) and the storm thresholds used when a run has no storms rows yet.
 * The file appears whole or not at all (written to a temporary file, then renamed).
 * Return: 0, -MMR_E_NO_RUN, -MMR_E_INVAL, -errno of the file, or a store error.
 */
MMR_API int mmr_plot_svg(struct mmr_store *st, const int64_t *runs, const char *const *labels,
			 size_t nr_runs, const char *path, const struct mmr_storm_opts *o);

/* Pixel size mmr_plot_svg() gives a plot of @nr_runs runs of which @nr_psi have PSI. */
MMR_API void mmr_plot_size(size_t nr_runs, size_t nr_psi, unsigned int *width,
			   unsigned int *height);

#endif /* MMR_STORMS_H */
