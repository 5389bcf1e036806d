/* SPDX-License-Identifier: MIT */
/*
 * mmr/bpf.h - the BPF collector behind `mmreplay record --bpf`: the mm tracepoints
 * through a libbpf CO-RE program and one BPF ring buffer, into the same rows as the
 * tracefs recorder (mmr/record.h), plus what only BPF gives: the cgroup of every
 * stalled request and in-kernel filters of the page stream. Included by mmr.h; do
 * not include it on its own.
 *
 * Timestamps are bpf_ktime_get_ns(), i.e. CLOCK_MONOTONIC; the run's clock is "mono",
 * the clock the tracefs recorder gives its instance, so runs of both line up.
 */
#ifndef MMR_BPF_H
#define MMR_BPF_H

#define MMR_BPF_CLOCK	"mono"

/**
 * struct mmr_bpf_opts - what to collect and how. Zero is the default for every field.
 * @min_order: page events (alloc, free, extfrag) of a lower order are dropped in the
 *	kernel. Stalled requests (reclaim, compaction, retries) are never filtered.
 * @sample_rate: keep one page block in @sample_rate of the alloc/free stream (by a
 *	hash of the pfn, so a block's alloc and free are kept together); stored on the
 *	run as runs.alloc_sample_rate.
 * @unmovable_only: drop allocations (and extfrag events) of MIGRATE_MOVABLE; frees
 *	carry no migratetype and are kept.
 * @no_alloc_stream: do not attach to mm_page_alloc and mm_page_free at all.
 * @ringbuf_bytes: the ring buffer (one for all CPUs), a power of two of at least a
 *	page (default 16 MiB).
 * @sample_ms, @commit_ms, @should_stop, @status, @arg: as struct mmr_record_opts.
 */
struct mmr_bpf_opts {
	unsigned int	min_order;
	unsigned int	sample_rate;
	bool		unmovable_only;
	bool		no_alloc_stream;
	size_t		ringbuf_bytes;
	unsigned int	sample_ms;
	unsigned int	commit_ms;
	int		(*should_stop)(void *arg);
	void		(*status)(const struct mmr_record_status *s, void *arg);
	void		*arg;
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
 * mmr_bpf_open() - Check, load the program and attach it to every tracepoint it
 * knows that this kernel has. Records flow into the ring buffer from now on, but
 * those that precede mmr_bpf_run()'s start are discarded.
 * @opts: copied; NULL for the defaults.
 * @out: Owned; release with mmr_bpf_close(), which detaches everything.
 * Return: 0, -MMR_E_UNSUPP (no BPF in this build), -EPERM, -ENOENT (no BTF),
 * -MMR_E_INVAL (bad ring size), or a negative errno from libbpf (details logged).
 */
MMR_API int mmr_bpf_open(const struct mmr_bpf_opts *opts, struct mmr_bpf **out);

/**
 * mmr_bpf_run() - Record into a new run of @st (kind "record", source "bpf") until
 * opts->should_stop says so, with the tracefs recorder's guarantees: host facts and
 * start snapshots, vmstat/PSI samples, a commit at least every opts->commit_ms (the
 * run marked incomplete until the end), synchronous=FULL; at the end the programs
 * detached, the ring drained, end snapshots, per-CPU counts (run_cpu_stats:
 * lost_events = records dropped on a full ring, read_events = records read), the
 * cgroup paths of the stalled requests, and the run marked complete.
 * @run_id: receives the new run's id as soon as it exists (also on failure).
 * @final: if not NULL, receives the last status (lost = ring-buffer drops).
 * Return: 0, or a negative error; on error what was committed stays, the run
 * incomplete. Call once per session.
 */
MMR_API int mmr_bpf_run(struct mmr_bpf *b, struct mmr_store *st, int64_t *run_id,
			struct mmr_record_status *final);

/* Detaches every program and frees; NULL-safe. Nothing of @b stays in the kernel. */
MMR_API void mmr_bpf_close(struct mmr_bpf *b);

#endif /* MMR_BPF_H */
