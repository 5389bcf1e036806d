/*
 * storms/storms-local.h - internals shared by the storms module: the run being worked
 * on, transactions that nest, and small statement helpers.
 */
#ifndef MMR_STORMS_LOCAL_H
#define MMR_STORMS_LOCAL_H

#include "core-local.h"

/* enum compact_result values as the kernel's trace formats print them (v5.x - v6.x). */
#define STORMS_COMPACT_SUCCESS	8

struct storms_run {
	int64_t		run_id;
	int64_t		parent_run;	/* 0 if none */
	uint64_t	start_ts;
	uint64_t	end_ts;
	uint64_t	nr_events;
	const char	*kind;		/* static copy: "import", "replay", ... */
	char		label[128];	/* "run N: kind policy" */
};

/* Reads the run's row; start/end fall back to its event span when not recorded. */
int storms_run_load(struct mmr_store *st, int64_t run_id, struct storms_run *r);

/*
 * A SAVEPOINT: nests in the caller's transaction or, when none is open, is one.
 * storms_sp_end() releases it when @err is 0, otherwise rolls it back; returns @err
 * (or the release's own error).
 */
int storms_sp_begin(struct mmr_store *st);
int storms_sp_end(struct mmr_store *st, int err);

/* Prepares @sql, binds ?1 = @run_id and steps it to completion. */
int storms_exec_run(struct mmr_store *st, const char *sql, int64_t run_id);

/* Bind an unsigned or a "maybe absent" value: NULL when @present is false. */
int storms_bind_opt(struct mmr_stmt *s, int idx, bool present, int64_t v);

/* Nearest-rank percentile of @n sorted values (@p in 0..100). */
uint64_t storms_percentile(const uint64_t *sorted, size_t n, double p);

#endif
