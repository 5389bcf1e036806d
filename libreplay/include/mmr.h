/* SPDX-License-Identifier: MIT */
/*
 * mmr.h - the public API of libreplay, the library behind the mmreplay tool.
 *
 * Conventions: every function that can fail returns int, 0 on success and a
 * negative errno or -MMR_E_* code on failure; constructors take an out-parameter
 * written only on success; destructors accept NULL. Ownership words in the doc
 * comments: Owned (the caller releases it with the named function), Borrowed
 * (valid until the named event; do not free), Copied (we keep our own copy).
 */
#ifndef MMR_H
#define MMR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef MMR_BUILDING_LIB
#define MMR_API __attribute__((visibility("default")))
#else
#define MMR_API
#endif

/* ---------------------------------------------------------------- errors */

#define MMR_ERRORS								\
	MMR_ERR(FORMAT,    "trace data is malformed")				\
	MMR_ERR(VERSION,   "unsupported trace file version")			\
	MMR_ERR(NO_EVENT,  "a required tracepoint is missing from the trace")	\
	MMR_ERR(SQLITE,    "sqlite error, see mmr_store_errmsg()")		\
	MMR_ERR(SCHEMA,    "database was written by a newer mmreplay")		\
	MMR_ERR(NOT_DB,    "file is not an mmreplay database")			\
	MMR_ERR(NO_RUN,    "no such run in the database")			\
	MMR_ERR(FULL,      "disk full")						\
	MMR_ERR(TRACEFS,   "tracefs is not available")				\
	MMR_ERR(INTR,      "interrupted")					\
	MMR_ERR(POLICY,    "unknown policy or policy parameter")		\
	MMR_ERR(INVAL,     "invalid argument")					\
	MMR_ERR(NO_DATA,   "the run holds no data for this operation")		\
	MMR_ERR(UNSUPP,    "not supported on this system")

#define MMR_ERR(code, str) MMR_E_##code,
enum mmr_errno { MMR_E__START = 4096, MMR_ERRORS MMR_E__END };	/* past errno */
#undef MMR_ERR

/**
 * mmr_strerror() - Text for an error code.
 * @err: a negative (or positive) errno or MMR_E_* code.
 * Return: a static string; never NULL.
 */
MMR_API const char *mmr_strerror(int err);

/* ------------------------------------------------------------------- log */

enum mmr_log_level { MMR_LOG_ERROR, MMR_LOG_WARN, MMR_LOG_INFO, MMR_LOG_DEBUG };

/* @msg is borrowed until the function returns; it has no trailing newline. */
typedef void (*mmr_log_fn)(enum mmr_log_level level, const char *msg, void *arg);

/**
 * mmr_set_log_fn() - Route libreplay's messages.
 * @fn: the new log function, or NULL for the default (warnings and errors to stderr).
 * @arg: passed to @fn untouched.
 * @max_level: messages above this level are not formatted at all.
 */
MMR_API void mmr_set_log_fn(mmr_log_fn fn, void *arg, enum mmr_log_level max_level);

/* ----------------------------------------------------------- event catalog */

/*
 * Events with a typed table. X(ID, system, name): the table is named after the
 * event; its columns are run_id, ts, seq, cpu, pid, then the event's fields in the
 * order listed by mmr_event_desc(), then `extra` (JSON of fields this tool does
 * not know, normally NULL). Field order is part of the API: model code fills
 * struct mmr_event.val[] in that order.
 */
#define MMR_EVENT_LIST(X)								\
	X(PAGE_ALLOC,			kmem,		mm_page_alloc)			\
	X(PAGE_FREE,			kmem,		mm_page_free)			\
	X(PAGE_FREE_BATCHED,		kmem,		mm_page_free_batched)		\
	X(PAGE_ALLOC_ZONE_LOCKED,	kmem,		mm_page_alloc_zone_locked)	\
	X(PAGE_PCPU_DRAIN,		kmem,		mm_page_pcpu_drain)		\
	X(PAGE_ALLOC_EXTFRAG,		kmem,		mm_page_alloc_extfrag)		\
	X(COMPACTION_BEGIN,		compaction,	mm_compaction_begin)		\
	X(COMPACTION_END,		compaction,	mm_compaction_end)		\
	X(COMPACTION_DEFER_COMPACTION,	compaction,	mm_compaction_defer_compaction)	\
	X(COMPACTION_DEFER_RESET,	compaction,	mm_compaction_defer_reset)	\
	X(COMPACTION_DEFERRED,		compaction,	mm_compaction_deferred)		\
	X(COMPACTION_FAST_ISOLATE_FREEPAGES, compaction, mm_compaction_fast_isolate_freepages) \
	X(COMPACTION_ISOLATE_FREEPAGES,	compaction,	mm_compaction_isolate_freepages) \
	X(COMPACTION_ISOLATE_MIGRATEPAGES, compaction,	mm_compaction_isolate_migratepages) \
	X(COMPACTION_FINISHED,		compaction,	mm_compaction_finished)		\
	X(COMPACTION_SUITABLE,		compaction,	mm_compaction_suitable)		\
	X(COMPACTION_KCOMPACTD_SLEEP,	compaction,	mm_compaction_kcompactd_sleep)	\
	X(COMPACTION_KCOMPACTD_WAKE,	compaction,	mm_compaction_kcompactd_wake)	\
	X(COMPACTION_WAKEUP_KCOMPACTD,	compaction,	mm_compaction_wakeup_kcompactd)	\
	X(COMPACTION_MIGRATEPAGES,	compaction,	mm_compaction_migratepages)	\
	X(COMPACTION_TRY_TO_COMPACT_PAGES, compaction,	mm_compaction_try_to_compact_pages) \
	X(DIRECT_RECLAIM_BEGIN,		vmscan,		mm_vmscan_direct_reclaim_begin)	\
	X(DIRECT_RECLAIM_END,		vmscan,		mm_vmscan_direct_reclaim_end)	\
	X(KSWAPD_WAKE,			vmscan,		mm_vmscan_kswapd_wake)		\
	X(KSWAPD_SLEEP,			vmscan,		mm_vmscan_kswapd_sleep)		\
	X(WAKEUP_KSWAPD,		vmscan,		mm_vmscan_wakeup_kswapd)	\
	X(LRU_SHRINK_INACTIVE,		vmscan,		mm_vmscan_lru_shrink_inactive)	\
	X(LRU_SHRINK_ACTIVE,		vmscan,		mm_vmscan_lru_shrink_active)	\
	X(MEMCG_RECLAIM_BEGIN,		vmscan,		mm_vmscan_memcg_reclaim_begin)	\
	X(MEMCG_RECLAIM_END,		vmscan,		mm_vmscan_memcg_reclaim_end)	\
	X(MEMCG_SOFTLIMIT_RECLAIM_BEGIN, vmscan,	mm_vmscan_memcg_softlimit_reclaim_begin) \
	X(MEMCG_SOFTLIMIT_RECLAIM_END,	vmscan,		mm_vmscan_memcg_softlimit_reclaim_end) \
	X(NODE_RECLAIM_BEGIN,		vmscan,		mm_vmscan_node_reclaim_begin)	\
	X(NODE_RECLAIM_END,		vmscan,		mm_vmscan_node_reclaim_end)	\
	X(VMSCAN_THROTTLED,		vmscan,		mm_vmscan_throttled)		\
	X(COMPACT_RETRY,		oom,		compact_retry)			\
	X(RECLAIM_RETRY_ZONE,		oom,		reclaim_retry_zone)		\
	X(MARK_VICTIM,			oom,		mark_victim)			\
	X(OOM_SCORE_ADJ_UPDATE,		oom,		oom_score_adj_update)		\
	X(WAKE_REAPER,			oom,		wake_reaper)			\
	X(START_TASK_REAPING,		oom,		start_task_reaping)		\
	X(FINISH_TASK_REAPING,		oom,		finish_task_reaping)		\
	X(SKIP_TASK_REAPING,		oom,		skip_task_reaping)

#define MMR_EV_ENUM(id, sys, name) MMR_EV_##id,
enum mmr_event_type {
	MMR_EV_GENERIC = 0,	/* any other event: stored in generic_events as JSON */
	MMR_EVENT_LIST(MMR_EV_ENUM)
	MMR_EV__COUNT
};
#undef MMR_EV_ENUM

#define MMR_EVENT_MAX_FIELDS 16

/**
 * struct mmr_event - one decoded event, as every source produces it.
 * @ts: nanoseconds on the run's trace clock.
 * @cpu: CPU the event was recorded on.
 * @pid: task that hit the tracepoint (0 for idle/irq context).
 * @type: catalog entry, or MMR_EV_GENERIC.
 * @missing: bit i set when field i is absent from the source's format; stored as NULL.
 * @val: typed fields in catalog order (unsigned kernel values are stored as their
 *	two's-complement int64, so a failed allocation's pfn of -1UL reads back as -1).
 * @str: the value of the type's string field (mark_victim comm), or NULL. Borrowed.
 * @extra: JSON object of fields the typed table does not have, or NULL. Borrowed.
 * @system, @name, @json: for MMR_EV_GENERIC: the event and all its fields. Borrowed.
 *
 * Borrowed pointers stay valid until the callback that received the event returns.
 */
struct mmr_event {
	uint64_t		ts;
	int32_t			cpu;
	int32_t			pid;
	enum mmr_event_type	type;
	uint32_t		missing;
	int64_t			val[MMR_EVENT_MAX_FIELDS];
	const char		*str;
	const char		*extra;
	const char		*system;
	const char		*name;
	const char		*json;
};

/**
 * struct mmr_event_desc - what a typed event looks like.
 * @kfields: the kernel's field names; @columns: the table's column names, equal to
 *	@kfields except where a kernel field would collide with a common column
 *	(`pid` of the oom events becomes `victim_pid` or `task_pid`).
 * @str_field: index of the one string field, or -1.
 */
struct mmr_event_desc {
	enum mmr_event_type	type;
	const char		*system;
	const char		*name;
	unsigned int		nr_fields;
	const char *const	*kfields;
	const char *const	*columns;
	int			str_field;
};

/* Return: the descriptor of @type (static), or NULL for MMR_EV_GENERIC/out of range. */
MMR_API const struct mmr_event_desc *mmr_event_desc(enum mmr_event_type type);
/* Return: the type of system:name, or MMR_EV_GENERIC when it has no typed table. */
MMR_API enum mmr_event_type mmr_event_lookup(const char *system, const char *name);
/* Return: index of @field in @type's kernel field list, or -1. */
MMR_API int mmr_event_field(enum mmr_event_type type, const char *field);
/* Clear @ev and set its type; every field is present and zero. */
MMR_API void mmr_event_init(struct mmr_event *ev, enum mmr_event_type type);

typedef int (*mmr_event_fn)(const struct mmr_event *ev, void *arg);

/* Migratetypes as the kernel numbers them (and traces print them). */
enum mmr_migratetype {
	MMR_MT_UNMOVABLE = 0,
	MMR_MT_MOVABLE = 1,
	MMR_MT_RECLAIMABLE = 2,
	MMR_MT_HIGHATOMIC = 3,
	MMR_MT_CMA = 4,
	MMR_MT_ISOLATE = 5,
	MMR_MT__COUNT
};
MMR_API const char *mmr_migratetype_name(int mt);

/* ---------------------------------------------------------------- store */

struct mmr_store;

#define MMR_STORE_READONLY	0x1u	/* open for reading only; never migrates */
#define MMR_STORE_CREATE	0x2u	/* create the file if it does not exist */
#define MMR_STORE_BULK		0x4u	/* bulk-load settings: no fsync until close */

/**
 * mmr_store_open() - Open (and if needed create and migrate) a database.
 * @out: Owned; release with mmr_store_close().
 * Return: 0, -MMR_E_SCHEMA if the file is newer than this tool, -MMR_E_NOT_DB if it
 * is not an mmreplay database, -MMR_E_SQLITE otherwise (details logged).
 */
MMR_API int mmr_store_open(const char *path, unsigned int flags, struct mmr_store **out);
MMR_API void mmr_store_close(struct mmr_store *st);
/* Return: the last SQLite message of @st, borrowed until the next call on @st. */
MMR_API const char *mmr_store_errmsg(struct mmr_store *st);
/* Return: the schema version stored in the file. */
MMR_API int mmr_store_version(struct mmr_store *st);
/* Return: the newest schema version this build knows. */
MMR_API int mmr_store_latest_version(void);

MMR_API int mmr_store_begin(struct mmr_store *st);
MMR_API int mmr_store_commit(struct mmr_store *st);
/* Rolls back the open transaction, if any; safe to call when none is open. */
MMR_API void mmr_store_rollback(struct mmr_store *st);

/**
 * struct mmr_run_info - what a run is. Strings are copied by the store.
 * @kind: "import", "record", "replay" or "synth".
 * @source: file name, host path or source run description.
 * @policy, @params: replays only (NULL otherwise); @params is JSON.
 * @parent_run: the run a replay was derived from, 0 if none.
 */
struct mmr_run_info {
	const char	*kind;
	const char	*source;
	const char	*host;
	const char	*kernel_release;
	const char	*clock;
	int		nr_cpus;
	const char	*policy;
	const char	*params;
	int64_t		parent_run;
};

MMR_API int mmr_store_run_add(struct mmr_store *st, const struct mmr_run_info *info,
			      int64_t *run_id);
/* Records the time span, the number of events stored and whether the run ended cleanly. */
MMR_API int mmr_store_run_finish(struct mmr_store *st, int64_t run_id, uint64_t start_ts,
				 uint64_t end_ts, uint64_t nr_events, bool complete);
MMR_API int mmr_store_run_fact(struct mmr_store *st, int64_t run_id, const char *key,
			       const char *value);
MMR_API int mmr_store_task(struct mmr_store *st, int64_t run_id, int pid, const char *comm);
/* A number the run reports about itself (table run_metrics), replacing one of the
 * same name. Names: dotted, lower case, unit last ("reclaim.over_reclaim_pages"). */
MMR_API int mmr_store_run_metric(struct mmr_store *st, int64_t run_id, const char *name,
				 double value);
MMR_API int mmr_store_gfp_flag(struct mmr_store *st, int64_t run_id, uint64_t mask,
			       const char *name);

/* Ring-buffer losses of one CPU; counters the source does not have are -1. */
struct mmr_cpu_stat {
	int		cpu;
	int64_t		lost_events;	/* events known to be dropped */
	int64_t		overrun;	/* events overwritten in the ring buffer */
	int64_t		commit_overrun;
	int64_t		dropped_events;
	int64_t		read_events;
};
MMR_API int mmr_store_cpu_stat(struct mmr_store *st, int64_t run_id,
			       const struct mmr_cpu_stat *cs);
/* Stores the raw text of a host file (e.g. "/proc/zoneinfo") taken at @phase ("start"/"end"). */
MMR_API int mmr_store_snapshot(struct mmr_store *st, int64_t run_id, uint64_t ts,
			       const char *phase, const char *source, const char *text);

/* ------------------------------------------------------------- writer */

struct mmr_writer;

/**
 * mmr_writer_new() - Batched, prepared inserts of events into one run.
 * @st: borrowed; must outlive the writer.
 * @out: Owned; release with mmr_writer_free().
 * The writer does not open or commit transactions: the caller decides (one for a
 * whole import, one a second for a live recording). It numbers the run's events
 * (the `seq` column) from 0 in the order they are added: use one writer per run.
 */
MMR_API int mmr_writer_new(struct mmr_store *st, int64_t run_id, struct mmr_writer **out);
/* Copies @ev (strings included). Rows are buffered: they reach the database at
 * mmr_writer_flush(), at mmr_store_commit() (which flushes every writer of the
 * store) or when a table's buffer fills. */
MMR_API int mmr_writer_add(struct mmr_writer *w, const struct mmr_event *ev);
MMR_API int mmr_writer_flush(struct mmr_writer *w);
/* Counts of events written so far, per type (index MMR_EV_GENERIC for generic). */
MMR_API uint64_t mmr_writer_count(const struct mmr_writer *w, enum mmr_event_type type);
/* Flushes buffered rows if a transaction is open, then frees. Free writers before
 * closing their store. */
MMR_API void mmr_writer_free(struct mmr_writer *w);

/* Builds the secondary indexes of the sample tables (after a bulk load); idempotent. */
MMR_API int mmr_store_build_indexes(struct mmr_store *st);

/* ------------------------------------------------------------------ query */

enum mmr_value_type { MMR_VAL_NULL, MMR_VAL_INT, MMR_VAL_REAL, MMR_VAL_TEXT, MMR_VAL_BLOB };

struct mmr_value {
	enum mmr_value_type	type;
	int64_t			i;
	double			d;
	const char		*s;	/* TEXT or BLOB bytes; borrowed until the callback returns */
	size_t			len;
};

/*
 * Called once with @vals == NULL to announce the columns, then once per row.
 * A non-zero return stops the query and is returned by mmr_store_query().
 */
typedef int (*mmr_row_fn)(void *arg, int ncols, const char *const *names,
			  const struct mmr_value *vals);

/**
 * mmr_store_query() - Run one SQL statement and hand each row to @fn.
 * Return: 0, @fn's non-zero value, or -MMR_E_SQLITE (message in mmr_store_errmsg()).
 */
MMR_API int mmr_store_query(struct mmr_store *st, const char *sql, mmr_row_fn fn, void *arg);
/* Runs @sql (one or more statements, no results). */
MMR_API int mmr_store_exec(struct mmr_store *st, const char *sql);
/* Convenience: the first column of the first row of @sql as an integer (0 if no row). */
MMR_API int mmr_store_query_int(struct mmr_store *st, const char *sql, int64_t *out);

/*
 * Prepared statements, for modules and programs that read or write rows without
 * SQLite headers. Parameters are numbered from 1, result columns from 0.
 */
struct mmr_stmt;

MMR_API int mmr_stmt_prepare(struct mmr_store *st, const char *sql, struct mmr_stmt **out);
MMR_API void mmr_stmt_free(struct mmr_stmt *s);
MMR_API int mmr_stmt_bind_int(struct mmr_stmt *s, int idx, int64_t v);
MMR_API int mmr_stmt_bind_double(struct mmr_stmt *s, int idx, double v);
/* @v is copied; NULL binds SQL NULL. */
MMR_API int mmr_stmt_bind_text(struct mmr_stmt *s, int idx, const char *v);
MMR_API int mmr_stmt_bind_null(struct mmr_stmt *s, int idx);
/* Return: 1 when a row is ready, 0 when done, or a negative error code. */
MMR_API int mmr_stmt_step(struct mmr_stmt *s);
/* Resets the statement for another execution and clears its bindings. */
MMR_API void mmr_stmt_reset(struct mmr_stmt *s);
MMR_API int64_t mmr_stmt_int(struct mmr_stmt *s, int col);
/* mmr_stmt_step(), then columns 0 to @n - 1 of the row as integers into @out. */
MMR_API int mmr_stmt_step_ints(struct mmr_stmt *s, int n, int64_t *out);
MMR_API double mmr_stmt_double(struct mmr_stmt *s, int col);
/* Borrowed until the next step/reset/free of @s; NULL for SQL NULL. */
MMR_API const char *mmr_stmt_text(struct mmr_stmt *s, int col);
MMR_API bool mmr_stmt_is_null(struct mmr_stmt *s, int col);
/* Return: the rowid of the last insert through @st. */
MMR_API int64_t mmr_store_last_rowid(struct mmr_store *st);

/* ----------------------------------------------------------------- ingest */

struct mmr_ingest;

/**
 * mmr_ingest_open_file() - Open a trace-cmd trace.dat (version 6 or 7, any
 * compression libtracecmd supports) and prepare decoding with its own formats.
 * @out: Owned; release with mmr_ingest_close().
 * Return: 0, -ENOENT/-EACCES, -MMR_E_VERSION, or -MMR_E_FORMAT.
 */
MMR_API int mmr_ingest_open_file(const char *path, struct mmr_ingest **out);
MMR_API void mmr_ingest_close(struct mmr_ingest *in);

/**
 * mmr_ingest_run() - Read every event of a trace and hand it to @fn.
 * @in: an open source; still owned by the caller.
 * @fn: called per event, in timestamp order. The event is borrowed until @fn
 *	returns; copy what you keep.
 * @arg: passed to @fn untouched.
 * Context: single-threaded; @fn must not call back into @in.
 * Return: 0 at end of trace, @fn's non-zero value if it stopped early, or a
 * negative error code.
 */
MMR_API int mmr_ingest_run(struct mmr_ingest *in, mmr_event_fn fn, void *arg);

/* Fills @info from the trace header; strings borrowed until mmr_ingest_close(). */
MMR_API void mmr_ingest_run_info(struct mmr_ingest *in, struct mmr_run_info *info);

/*
 * mmr_ingest_save() - Write what the source knows besides events (host facts, gfp
 * flag names from the print formats, pid->comm, per-CPU loss counters) into @run_id.
 * Call after mmr_ingest_run(): loss counters are complete only then.
 */
MMR_API int mmr_ingest_save(struct mmr_ingest *in, struct mmr_store *st, int64_t run_id);

/* Total events lost according to the source (sum over CPUs), valid after mmr_ingest_run(). */
MMR_API uint64_t mmr_ingest_lost(const struct mmr_ingest *in);

/* ----------------------------------------------------------------- import */

typedef void (*mmr_progress_fn)(uint64_t done, uint64_t total, void *arg);

struct mmr_import_opts {
	mmr_progress_fn	progress;	/* NULL for none; done = events so far, total = 0 */
	void		*progress_arg;
	volatile int	*stop;		/* set non-zero (e.g. from SIGINT) to abort */
	const char	*host_dir;	/* host snapshots of the (single) file; NULL: FILE.host/
					 * next to FILE.dat if it exists (mmr_host_load_dir()) */
	bool		no_host;	/* load no host snapshots */
};

/**
 * mmr_import_files() - Import trace.dat files, one run each, atomically: either
 * every file lands or the database is left as it was.
 * @run_ids: if not NULL, receives the new run ids (array of @nr_files).
 * Return: 0 or a negative error; on error the failing file's index is in *@failed.
 */
MMR_API int mmr_import_files(struct mmr_store *st, const char *const *paths, int nr_files,
			     const struct mmr_import_opts *opts, int64_t *run_ids, int *failed);

/* ----------------------------------------------------------------- report */

#include <stdio.h>

enum mmr_format {
	MMR_FMT_TABLE,	/* aligned columns for a terminal */
	MMR_FMT_CSV,	/* RFC 4180, header line first */
	MMR_FMT_JSON,	/* one JSON array of objects */
};

/* Parses "table", "csv" or "json". Return: 0 or -MMR_E_INVAL. */
MMR_API int mmr_format_parse(const char *name, enum mmr_format *out);

struct mmr_table;

/**
 * mmr_table_new() - A result-set printer. Rows are streamed for csv and json; the
 * table format holds up to a few thousand rows to size its columns, then streams.
 * @out: borrowed; must stay open until mmr_table_free().
 * @table: Owned; release with mmr_table_free() after mmr_table_finish().
 */
MMR_API int mmr_table_new(FILE *out, enum mmr_format fmt, struct mmr_table **table);
MMR_API int mmr_table_columns(struct mmr_table *t, int ncols, const char *const *names);
MMR_API int mmr_table_row(struct mmr_table *t, const struct mmr_value *vals);
/* Flushes what is held; after it the table prints nothing more. Return: 0 or -EIO. */
MMR_API int mmr_table_finish(struct mmr_table *t);
MMR_API void mmr_table_free(struct mmr_table *t);
/* An mmr_row_fn that feeds a struct mmr_table (pass it as @arg). */
MMR_API int mmr_table_row_fn(void *table, int ncols, const char *const *names,
			     const struct mmr_value *vals);

#include "mmr/model.h"
#include "mmr/storms.h"
#include "mmr/replay.h"
#include "mmr/record.h"
#include "mmr/bpf.h"
#include "mmr/spb.h"

#ifdef __cplusplus
}
#endif

#endif /* MMR_H */
