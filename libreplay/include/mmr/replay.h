/* SPDX-License-Identifier: MIT */
/*
 * mmr/replay.h - replaying a recorded run's allocation stream through the page
 * allocator model under a policy, and synthetic recorded-style runs.
 * Included by mmr.h; do not include it on its own.
 *
 * libreplay/replay/README.md documents how a recording becomes a workload (which
 * frees are the workload's and which the recorded kernel's own reclaim and
 * migration), how the initial state is built, and the limits of both.
 */
#ifndef MMR_REPLAY_H
#define MMR_REPLAY_H

/* What the workload extraction made of a recorded run (counts of events or ops). */
struct mmr_workload_stats {
	uint64_t	allocs;			/* allocation requests replayed */
	uint64_t	allocs_failed;		/* ... that the recorded kernel failed */
	uint64_t	frees;			/* frees of allocations seen in the trace */
	uint64_t	frees_partial;		/* part of a larger allocation (the block is
						 * freed in the model when the last part goes) */
	uint64_t	frees_initial;		/* pages allocated before the trace started */
	uint64_t	frees_migrated;		/* at the new pfn of a page the recorded kernel
						 * migrated (matched by order, oldest first) */
	uint64_t	frees_implicit;		/* a pfn allocated again without a free */
	uint64_t	dropped_reclaim;	/* frees by kswapd or inside direct reclaim */
	uint64_t	dropped_compaction;	/* frees by kcompactd or inside compaction */
	uint64_t	dropped_batched;	/* mm_page_free_batched duplicates */
	uint64_t	events_read;		/* rows read from the recording */
	uint64_t	pfn_map_bytes;		/* the most the map of live recorded pfns held */
	uint64_t	owner_ids;		/* distinct owner ids the allocations took
						 * (ids are reused once neither the workload
						 * nor the model holds them; more of them when
						 * the recording is read in a second thread) */
};

/* What a replay did besides the model's own counters. */
struct mmr_replay_stats {
	uint64_t	skipped_reclaimed;	/* recorded frees of owners the model had reclaimed */
	uint64_t	model_only;		/* allocations the recording failed but the model
						 * satisfied (freed again at once) */
	uint64_t	initial_missing;	/* pre-trace frees the model had no memory for */
	uint64_t	events_written;		/* model events stored */
};

/*
 * Owner ids a replay takes before it reuses those of freed owners, by default: one
 * per page of the model's zones, within these bounds. Reuse keeps the model's owner
 * table (12 bytes an id) to about what is live at once, whatever the length of the
 * recording; the results do not depend on it.
 */
#define MMR_REPLAY_OWNER_IDS_MIN	(1u << 16)
#define MMR_REPLAY_OWNER_IDS_MAX	(1u << 24)

struct mmr_replay_opts {
	const char		*policy;	/* model preset: "vanilla", "defrag_mode", ... */
	const char *const	*sets;		/* "key=value" model parameters, after the preset */
	int			nr_sets;
	bool			no_alloc_stream;	/* do not store the model's mm_page_alloc,
							 * mm_page_free and zone_locked/pcpu_drain */
	bool			derive;		/* write the storms module's derived tables
						 * and detect storms for the new run */
	const struct mmr_storm_opts	*storm_opts;	/* for derive; NULL for defaults */
	bool			one_thread;	/* read the recording and write the model's
						 * events in the model's thread (otherwise
						 * each in a thread of its own, where the
						 * stores allow it; same results) */
	uint32_t		owner_ids;	/* reuse freed owner ids once this many
						 * are taken (0: the model's pages, see
						 * MMR_REPLAY_OWNER_IDS_MIN/_MAX) */
	mmr_progress_fn		progress;	/* done/total in recorded events */
	void			*progress_arg;
	volatile int		*stop;
};

struct mmr_replay_result {
	int64_t				run_id;		/* the new run */
	struct mmr_model_stats		model;
	struct mmr_workload_stats	workload;
	struct mmr_replay_stats		replay;
	uint64_t			mixed_blocks;	/* at the end */
	uint64_t			span_ns;	/* model time from first to last event */
	double				reader_cpu_s;	/* CPU of the thread that read the
							 * recording (0: read in the calling one) */
	double				mapper_cpu_s;	/* of the calling thread in mapping the
							 * rows to owners (0 when reading there) */
	double				writer_cpu_s;	/* of the thread that wrote the model's
							 * events (0: written in the calling one) */
	double				model_cpu_s;	/* of the calling thread, the rest */
	/* the larger tables of the replay, bytes (the pfn map's is workload's): the
	 * model's page state (8 bytes a page) and owner table, the rings between the
	 * threads (recorded rows; the model's events to write) */
	uint64_t			mem_page_state;
	uint64_t			mem_owner_table;
	uint64_t			mem_rings;
};

/**
 * mmr_replay_run() - Replay run @run_id of @st under a policy into a new run of @out.
 * @out: may be @st itself; a different store gets a copy of the source run's facts.
 * The new run (kind "replay", its policy and every model parameter as JSON, the
 * source run as parent) holds the model's events in the same tables as a recording,
 * written in one transaction: on any error nothing of it remains.
 * Return: 0, -MMR_E_NO_RUN, -MMR_E_POLICY (bad preset or parameter, logged),
 * -MMR_E_NO_DATA (the run holds no allocation stream), -MMR_E_INTR, or an error
 * from the store.
 */
MMR_API int mmr_replay_run(struct mmr_store *st, int64_t run_id, struct mmr_store *out,
			   const struct mmr_replay_opts *opts, struct mmr_replay_result *res);

/* Scenarios of mmr_synth_run(): their names and one-line descriptions. */
struct mmr_synth_scenario {
	const char	*name;
	const char	*summary;
};
MMR_API const struct mmr_synth_scenario *mmr_synth_scenarios(int *nr);

/**
 * mmr_synth_run() - Write a synthetic recorded-style run (kind "synth"): zone and
 * pagetypeinfo snapshots for the initial state and a stream of mm_page_alloc and
 * mm_page_free events, deterministic for a seed.
 * @sets: "key=value" scenario parameters (see `mmreplay synth --help`).
 * Return: 0, -MMR_E_INVAL (unknown scenario or parameter, logged), or a store error.
 */
/* Checks a scenario name and its parameters without writing anything.
 * Return: 0 or -MMR_E_INVAL (logged). */
MMR_API int mmr_synth_check(const char *scenario, const char *const *sets, int nr_sets);
MMR_API int mmr_synth_run(struct mmr_store *st, const char *scenario, uint64_t seed,
			  const char *const *sets, int nr_sets, int64_t *run_id);

#endif /* MMR_REPLAY_H */
