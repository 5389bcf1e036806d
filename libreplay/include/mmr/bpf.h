/* SPDX-License-Identifier: MIT */
/*
 * mmr/bpf.h - the BPF collector: mm tracepoints through a libbpf CO-RE program and a
 * BPF ring buffer into the same event tables as the tracefs recorder, plus the cgroup
 * of every stalled request. Included by mmr.h.
 *
 * Two ways to use it: mmr_bpf_record() does a whole recording (run row, events,
 * commits every second, losses, cgroups); the session calls (mmr_bpf_open() ...
 * mmr_bpf_close()) let a caller that owns the run and the loop (`mmreplay record`)
 * drain the ring buffer between its own samples.
 *
 * Timestamps are bpf_ktime_get_ns(), i.e. CLOCK_MONOTONIC; the run's clock is "mono"
 * (the name tracefs gives the same clock), not tracefs's default "local".
 */
#ifndef MMR_BPF_H
#define MMR_BPF_H

#define MMR_BPF_CLOCK	"mono"

/**
 * struct mmr_bpf_opts - what to collect and how. Zero means the default everywhere.
 * @min_order: page events (alloc, free, extfrag) of a lower order are dropped in the
 *	kernel. Stalled requests are never filtered.
 * @sample_rate: keep one page block in @sample_rate of the alloc/free stream (by a
 *	hash of the pfn, so a block's alloc and free go together); stored on the run.
 * @unmovable_only: drop allocations (and extfrag events) of MIGRATE_MOVABLE; frees
 *	carry no migratetype and are kept.
 * @ringbuf_bytes: ring buffer size, a power of two >= the page size (default 16 MiB).
 * @duration_ns: mmr_bpf_record() stops after this long (0: only on *@stop).
 * @stop: mmr_bpf_record() stops when it reads non-zero (set it from a signal handler).
 * @status: called by mmr_bpf_record() about once a second after each commit.
 */
struct mmr_bpf_stats;
struct mmr_bpf_opts {
	unsigned int	min_order;
	unsigned int	sample_rate;
	bool		unmovable_only;
	size_t		ringbuf_bytes;
	uint64_t	duration_ns;
	volatile int	*stop;
	void		(*status)(const struct mmr_bpf_stats *stats, void *arg);
	void		*status_arg;
};

/* Counters of a session; all cumulative. */
struct mmr_bpf_stats {
	uint64_t	events;		/* event rows written */
	uint64_t	dropped;	/* records lost to a full ring buffer (all CPUs) */
	uint64_t	filtered;	/* page events left out by the filters and sampling */
	uint64_t	stalls;		/* events stored with a cgroup id */
	uint64_t	first_ts;	/* first and last event time, ns on MMR_BPF_CLOCK */
	uint64_t	last_ts;
};

/**
 * mmr_bpf_available() - Whether this build and this host can run the collector.
 * @why: if not NULL, receives a static one-line reason when it cannot.
 * Return: 0 when it can; -MMR_E_UNSUPP when the build has no BPF support; -EPERM
 * without the privilege to load BPF programs; -ENOENT without kernel BTF.
 */
MMR_API int mmr_bpf_available(const char **why);

struct mmr_bpf;

/**
 * mmr_bpf_open() - Load the program and attach it to every tracepoint it knows that
 * the kernel has. Events start flowing into the ring buffer at once; nothing is
 * stored until mmr_bpf_start().
 * @opts: copied; may be NULL.
 * @out: Owned; release with mmr_bpf_close(), which detaches everything.
 * Return: 0, -MMR_E_UNSUPP (no BPF in this build), or a negative errno from libbpf
 * (details logged).
 */
MMR_API int mmr_bpf_open(const struct mmr_bpf_opts *opts, struct mmr_bpf **out);

/**
 * mmr_bpf_start() - Direct the session's events into @run_id of @st and store what
 * the collector knows of the run (clock-independent facts: filters, sample rate).
 * @st: borrowed; must outlive the session. The caller opens and commits transactions.
 * Records received before this call are discarded (they precede the run).
 */
MMR_API int mmr_bpf_start(struct mmr_bpf *b, struct mmr_store *st, int64_t run_id);

/**
 * mmr_bpf_poll() - Wait up to @timeout_ms for records and write all that are ready.
 * Return: number of records consumed (>= 0), -EINTR when a signal came, or a
 * negative error code (a store failure; the session is then unusable).
 */
MMR_API int mmr_bpf_poll(struct mmr_bpf *b, int timeout_ms);

/**
 * mmr_bpf_finish() - Detach the programs, drain what is left, and store the per-CPU
 * counts (run_cpu_stats: lost_events = ring-buffer drops, read_events = records read)
 * and the cgroup paths of the ids seen. Call inside a transaction; the caller then
 * records the run's span with mmr_store_run_finish() (see mmr_bpf_stats()).
 */
MMR_API int mmr_bpf_finish(struct mmr_bpf *b);

/* Copies the session's counters into @stats (reads the kernel's drop counters). */
MMR_API void mmr_bpf_stats(struct mmr_bpf *b, struct mmr_bpf_stats *stats);

/* Detaches and frees; NULL-safe. After it nothing of the session is left in the kernel. */
MMR_API void mmr_bpf_close(struct mmr_bpf *b);

/**
 * mmr_bpf_record() - A whole recording into a new run (kind "record", source "bpf",
 * clock MMR_BPF_CLOCK): opens the session, commits at least once a second, stops on
 * *@opts->stop or after @opts->duration_ns, stores losses and cgroups, marks the run
 * complete, and detaches on every path.
 * @run_id: if not NULL, receives the new run's id (also on failure once it exists).
 * @stats: if not NULL, receives the final counters.
 * Return: 0, or a negative error code; data committed before a failure stays, with
 * the run marked incomplete.
 */
MMR_API int mmr_bpf_record(struct mmr_store *st, const struct mmr_bpf_opts *opts,
			   int64_t *run_id, struct mmr_bpf_stats *stats);

#endif /* MMR_BPF_H */
