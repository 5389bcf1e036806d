/* SPDX-License-Identifier: MIT */
/*
 * mmr/record.h - host snapshots (/proc/zoneinfo, pagetypeinfo, buddyinfo, vmstat,
 * pressure/memory, vm sysctls) and the live recorder on a private tracefs instance.
 * Included by mmr.h; do not include it on its own.
 *
 * The parsers read text from other hosts (files next to an imported trace.dat), so
 * they are bounded by the length given, skip lines they do not know and never fail
 * on content: a malformed line is ignored. The same parsers serve `import` and
 * `record`, so a snapshot lands in the same rows whichever way it arrived.
 */
#ifndef MMR_RECORD_H
#define MMR_RECORD_H

/* ------------------------------------------------------------ host parsers */

#define MMR_HOST_NAME_MAX 32

/*
 * One zone of /proc/zoneinfo. Values are pages; -1 when the file does not have
 * them (older kernels lack boost, an unpopulated zone lacks start_pfn).
 * @zone_idx: the kernel's zone index: the zone's position within its node in
 *	zoneinfo, which lists every configured zone, populated or not.
 */
struct mmr_host_zone {
	int		node;
	int		zone_idx;
	char		zone[MMR_HOST_NAME_MAX];
	int64_t		spanned, present, managed, free;
	int64_t		min, low, high, boost;
	int64_t		start_pfn;
};

/*
 * Free buddies of one order (not pages) of one zone and migratetype. From
 * /proc/buddyinfo, which does not split by type, @migratetype is "all". A count
 * the kernel capped (">100000" in pagetypeinfo) is the cap: a lower bound.
 */
struct mmr_host_free_area {
	int		node;
	char		zone[MMR_HOST_NAME_MAX];
	char		migratetype[MMR_HOST_NAME_MAX];
	int		order;
	int64_t		nr_free;
};

/* Pageblocks of one migratetype in one zone (/proc/pagetypeinfo). */
struct mmr_host_blocks {
	int		node;
	char		zone[MMR_HOST_NAME_MAX];
	char		migratetype[MMR_HOST_NAME_MAX];
	int64_t		nr_blocks;
};

/* /proc/pressure/memory; a line that is absent leaves its fields at -1. */
struct mmr_host_psi {
	double		some_avg10, some_avg60, some_avg300;
	int64_t		some_total;		/* microseconds */
	double		full_avg10, full_avg60, full_avg300;
	int64_t		full_total;
};

/*
 * Callbacks of the parsers. Their argument is borrowed until they return. A
 * non-zero return stops the parse and is returned by it.
 */
struct mmr_host_parse_ops {
	int	(*zone)(const struct mmr_host_zone *z, void *arg);
	int	(*free_area)(const struct mmr_host_free_area *fa, void *arg);
	int	(*blocks)(const struct mmr_host_blocks *b, void *arg);
	/* vmstat counters, sysctl settings ("name = value"), and pagetypeinfo's
	 * "Page block order" (as "pageblock_order"); @value is borrowed text */
	int	(*pair)(const char *name, const char *value, void *arg);
	void	*arg;
};

/*
 * The parsers. @text need not be NUL-terminated; @len bounds every read. Unknown
 * lines are skipped. Callbacks that are NULL are not called.
 * Return: 0, or the first non-zero value a callback returned.
 */
MMR_API int mmr_host_parse_zoneinfo(const char *text, size_t len,
				    const struct mmr_host_parse_ops *ops);
MMR_API int mmr_host_parse_pagetypeinfo(const char *text, size_t len,
					const struct mmr_host_parse_ops *ops);
MMR_API int mmr_host_parse_buddyinfo(const char *text, size_t len,
				     const struct mmr_host_parse_ops *ops);
/* "name value" lines: every counter goes to ops->pair. */
MMR_API int mmr_host_parse_vmstat(const char *text, size_t len,
				  const struct mmr_host_parse_ops *ops);
/* "name = value" lines (what scripts/record-sample.sh writes to sysctl-vm). */
MMR_API int mmr_host_parse_sysctl(const char *text, size_t len,
				  const struct mmr_host_parse_ops *ops);
/* Fills @out; return 0 if at least one of the "some"/"full" lines was read, else
 * -MMR_E_FORMAT. */
MMR_API int mmr_host_parse_psi(const char *text, size_t len, struct mmr_host_psi *out);

/* ------------------------------------------------------- host -> store */

/* The host files the store knows, by the name they have under /proc. */
enum mmr_host_file {
	MMR_HOST_ZONEINFO,	/* /proc/zoneinfo -> zone_snapshots */
	MMR_HOST_PAGETYPEINFO,	/* /proc/pagetypeinfo -> free_area_ and pageblock_snapshots */
	MMR_HOST_BUDDYINFO,	/* /proc/buddyinfo -> free_area_snapshots (type "all") */
	MMR_HOST_VMSTAT,	/* /proc/vmstat -> vmstat_samples */
	MMR_HOST_PSI,		/* /proc/pressure/memory -> psi_samples */
	MMR_HOST_SYSCTL_VM,	/* /proc/sys/vm/ as "name = value" lines -> host_facts */
	MMR_HOST_UNAME,		/* `uname -a` -> host_facts "uname" */
	MMR_HOST__COUNT
};

/* Return: the source name stored in `snapshots` ("/proc/zoneinfo", ...), static. */
MMR_API const char *mmr_host_file_source(enum mmr_host_file f);

/**
 * mmr_host_store_text() - Store one host file's text taken at @phase and @ts:
 * the raw text into `snapshots` and the parsed rows into the file's table.
 * @phase: "start" or "end" (snapshots; vmstat/PSI rows use @ts only).
 * sysctl settings become host facts "sysctl.vm.<name>" at "start"; at "end" a
 * setting that changed is stored as "sysctl.vm.<name>.end".
 * vmstat and PSI also go to their sample tables at @ts.
 * Context: inside the caller's transaction.
 * Return: 0 or a store error.
 */
MMR_API int mmr_host_store_text(struct mmr_store *st, int64_t run_id, const char *phase,
				uint64_t ts, enum mmr_host_file f, const char *text, size_t len);

/**
 * mmr_host_load_dir() - Load a host directory written next to a trace.dat
 * (scripts/record-sample.sh: DIR/start/ and DIR/end/ with zoneinfo, pagetypeinfo,
 * buddyinfo, vmstat, pressure-memory, sysctl-vm, uname) into @run_id. Missing
 * files and phases are skipped.
 * Return: 0, -ENOENT if @dir has neither start/ nor end/, another negative errno
 * when a file is there but cannot be read, or a store error.
 */
MMR_API int mmr_host_load_dir(struct mmr_store *st, int64_t run_id, const char *dir,
			      uint64_t start_ts, uint64_t end_ts);

/**
 * mmr_host_snapshot_live() - Read this host's files now (zoneinfo, pagetypeinfo,
 * buddyinfo, vmstat, pressure/memory, every readable /proc/sys/vm setting) and
 * store them as @phase at @ts, through mmr_host_store_text().
 * Files this kernel lacks (no PSI) are skipped with a debug message.
 */
MMR_API int mmr_host_snapshot_live(struct mmr_store *st, int64_t run_id, const char *phase,
				   uint64_t ts);
/* Stores one periodic sample of /proc/vmstat and /proc/pressure/memory at @ts. */
MMR_API int mmr_host_sample_live(struct mmr_store *st, int64_t run_id, uint64_t ts);
/* Host facts of this machine: uname parts, page size, CPUs, pageblock order. */
MMR_API int mmr_host_facts_live(struct mmr_store *st, int64_t run_id);

/* ------------------------------------------------------------ recorder */

struct mmr_recorder;

/* What the recorder has done so far, for a live status line and the summary. */
struct mmr_record_status {
	double		elapsed_s;		/* since tracing was switched on */
	uint64_t	events;			/* events stored (or buffered for the next commit) */
	double		events_per_s;		/* over the last status period */
	uint64_t	lost;			/* ring-buffer losses, all CPUs (lost + overrun + dropped) */
	uint64_t	direct_reclaims;	/* mm_vmscan_direct_reclaim_begin events */
	uint64_t	undecodable;		/* records the decoder could not read */
};

/*
 * How both recorders (tracefs and BPF) set up their store: a commit is on disk when
 * it returns, and the page cache holds a second of rows (the default 2 MiB spills
 * dirty pages to the WAL mid-transaction, rewrites them at commit and reads evicted
 * ones back); and their default longest time between commits.
 */
#define MMR_RECORD_STORE_PRAGMAS	"PRAGMA synchronous = FULL; PRAGMA cache_size = -32768"
#define MMR_RECORD_COMMIT_MS		1000

/**
 * struct mmr_record_opts - how to record. Zero is the default for every field.
 * @events: "system:event", "system/event", "system" (all of its events) or a bare
 *	event name of the catalog; NULL for the default set: every event with a typed
 *	table. Copied.
 * @no_alloc_stream: leave out kmem:mm_page_alloc and kmem:mm_page_free (the bulk of
 *	the events; replay needs them) from the default set.
 * @buffer_kb: ring buffer per CPU in KiB (default 16384).
 * @sample_ms: period of the /proc/vmstat and /proc/pressure/memory samples (1000).
 * @commit_ms: longest time between commits (MMR_RECORD_COMMIT_MS): what a crash can
 *	lose.
 * @should_stop: polled between reads (every few ms); non-zero ends the recording
 *	cleanly. NULL: record until the stop flag is set.
 * @status: called about twice a second while recording (NULL for none).
 */
struct mmr_record_opts {
	const char *const	*events;
	int			nr_events;
	bool			no_alloc_stream;
	unsigned int		buffer_kb;
	unsigned int		sample_ms;
	unsigned int		commit_ms;
	int			(*should_stop)(void *arg);
	void			(*status)(const struct mmr_record_status *s, void *arg);
	void			*arg;
};

/**
 * mmr_record_open() - Prepare a recording: check privileges and tracefs, create a
 * private tracefs instance "mmreplay-<pid>" (tracing off), enable the events there
 * and open its per-CPU raw buffers. Never writes the top-level instance or
 * /proc/sys/kernel/ftrace_enabled. A watchdog process removes the instance if this
 * process dies without doing it (even by SIGKILL).
 * An event this kernel lacks is a warning; none at all is an error.
 * @out: Owned; release with mmr_record_close(), which removes the instance.
 * Return: 0, -EPERM (not root), -MMR_E_TRACEFS (not mounted; the message says how to
 * mount it), -MMR_E_NO_EVENT, or another negative errno.
 */
MMR_API int mmr_record_open(const struct mmr_record_opts *opts, struct mmr_recorder **out);

/**
 * mmr_record_run() - Record into a new run of @st until opts->should_stop says so:
 * host facts and start snapshots, tracing on, then per-CPU pages decoded and written
 * through the store's writer, vmstat/PSI samples, a commit at least every
 * opts->commit_ms (the run is marked incomplete until the end); at the end tracing
 * off, the buffers drained, end snapshots, loss counters per CPU, run complete.
 * @st: opened by the caller (not in bulk mode); the recorder sets synchronous=FULL.
 * @run_id: receives the new run's id as soon as it exists (also on failure).
 * @final: if not NULL, receives the last status.
 * Return: 0, or a negative error (-MMR_E_FULL for a full disk); on error what was
 * committed stays, the run incomplete.
 */
MMR_API int mmr_record_run(struct mmr_recorder *r, struct mmr_store *st, int64_t *run_id,
			   struct mmr_record_status *final);

/* Name of the recorder's tracefs instance (borrowed until mmr_record_close()). */
MMR_API const char *mmr_record_instance(const struct mmr_recorder *r);

/* Disables the events, removes the instance, frees @r. NULL-safe. */
MMR_API void mmr_record_close(struct mmr_recorder *r);

#endif /* MMR_RECORD_H */
