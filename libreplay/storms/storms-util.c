/*
 * storms/storms-util.c - options, the run being worked on, nesting transactions and
 * small helpers of the storms module.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "storms-local.h"

void mmr_storm_opts_init(struct mmr_storm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->bucket_ns = MMR_STORM_DEFAULT_BUCKET_NS;
	o->pageblock_order = -1;
	o->stall_pct = MMR_STORM_DEFAULT_STALL_PCT;
	o->entries_per_s = MMR_STORM_DEFAULT_ENTRIES_PER_S;
	o->merge_gap_ns = MMR_STORM_DEFAULT_MERGE_GAP_NS;
	o->min_len_ns = MMR_STORM_DEFAULT_MIN_LEN_NS;
	o->min_entries = MMR_STORM_DEFAULT_MIN_ENTRIES;
	o->top_tasks = MMR_STORM_DEFAULT_TOP_TASKS;
}

int mmr_storm_opts_check(const struct mmr_storm_opts *o)
{
	if (o->bucket_ns < 1000) {
		mmr_err("bucket must be at least 1 us");
		return -MMR_E_INVAL;
	}
	if (o->pageblock_order < -1 || o->pageblock_order > 20) {
		mmr_err("pageblock order %d is out of range (0-20)", o->pageblock_order);
		return -MMR_E_INVAL;
	}
	if (!(o->stall_pct > 0) || !isfinite(o->stall_pct)) {
		mmr_err("stall threshold must be a positive percentage");
		return -MMR_E_INVAL;
	}
	if (!(o->entries_per_s >= 0) || !isfinite(o->entries_per_s)) {
		mmr_err("entries threshold must be 0 (off) or positive");
		return -MMR_E_INVAL;
	}
	if (o->top_tasks > 1000) {
		mmr_err("at most 1000 top tasks");
		return -MMR_E_INVAL;
	}
	return 0;
}

int storms_run_load(struct mmr_store *st, int64_t run_id, struct storms_run *r)
{
	static const char span_sql[] =
		"SELECT min(t), max(t) FROM ("
		"SELECT min(ts) AS t FROM mm_page_alloc WHERE run_id = ?1 "
		"UNION ALL SELECT max(ts) FROM mm_page_alloc WHERE run_id = ?1 "
		"UNION ALL SELECT min(ts) FROM mm_vmscan_direct_reclaim_begin WHERE run_id = ?1 "
		"UNION ALL SELECT max(ts) FROM mm_vmscan_direct_reclaim_end WHERE run_id = ?1 "
		"UNION ALL SELECT min(ts) FROM mm_compaction_try_to_compact_pages WHERE run_id = ?1 "
		"UNION ALL SELECT max(ts) FROM mm_compaction_end WHERE run_id = ?1)";
	static const char *const kinds[] = { "import", "record", "replay", "synth" };
	struct mmr_stmt *q;
	bool has_span;
	int err, rc;

	memset(r, 0, sizeof(*r));
	r->run_id = run_id;
	err = mmr_stmt_prepare(st, "SELECT start_ts, end_ts, nr_events, parent_run, kind, policy "
			       "FROM runs WHERE run_id = ?1", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, run_id);
	rc = mmr_stmt_step(q);
	if (rc <= 0) {
		mmr_stmt_free(q);
		if (rc == 0)
			mmr_err("no run %lld in the store", (long long)run_id);
		return rc < 0 ? rc : -MMR_E_NO_RUN;
	}
	has_span = !mmr_stmt_is_null(q, 0) && !mmr_stmt_is_null(q, 1);
	r->start_ts = (uint64_t)mmr_stmt_int(q, 0);
	r->end_ts = (uint64_t)mmr_stmt_int(q, 1);
	r->nr_events = (uint64_t)mmr_stmt_int(q, 2);
	r->parent_run = mmr_stmt_int(q, 3);
	r->kind = "run";
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (mmr_stmt_text(q, 4) && !strcmp(mmr_stmt_text(q, 4), kinds[i]))
			r->kind = kinds[i];
	snprintf(r->label, sizeof(r->label), "run %lld: %s%s%s", (long long)run_id, r->kind,
		 mmr_stmt_text(q, 5) ? " " : "", mmr_stmt_text(q, 5) ? mmr_stmt_text(q, 5) : "");
	mmr_stmt_free(q);
	if (has_span && r->end_ts >= r->start_ts)
		return 0;

	/* a run still being recorded: the span of the events that matter here */
	err = mmr_stmt_prepare(st, span_sql, &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, run_id);
	rc = mmr_stmt_step(q);
	if (rc == 1 && !mmr_stmt_is_null(q, 0)) {
		r->start_ts = (uint64_t)mmr_stmt_int(q, 0);
		r->end_ts = (uint64_t)mmr_stmt_int(q, 1);
	} else {
		r->start_ts = r->end_ts = 0;
	}
	mmr_stmt_free(q);
	return rc < 0 ? rc : 0;
}

int storms_sp_begin(struct mmr_store *st)
{
	return mmr_store_exec(st, "SAVEPOINT mmr_storms");
}

int storms_sp_end(struct mmr_store *st, int err)
{
	if (!err)
		return mmr_store_exec(st, "RELEASE mmr_storms");
	/* the error is already logged; these cannot fail in a way worth reporting */
	mmr_store_exec(st, "ROLLBACK TO mmr_storms");
	mmr_store_exec(st, "RELEASE mmr_storms");
	return err;
}

int storms_exec_run(struct mmr_store *st, const char *sql, int64_t run_id)
{
	struct mmr_stmt *s;
	int err;

	err = mmr_stmt_prepare(st, sql, &s);
	if (err)
		return err;
	mmr_stmt_bind_int(s, 1, run_id);
	err = mmr_stmt_step(s);
	mmr_stmt_free(s);
	return err < 0 ? err : 0;
}

int storms_bind_opt(struct mmr_stmt *s, int idx, bool present, int64_t v)
{
	return present ? mmr_stmt_bind_int(s, idx, v) : mmr_stmt_bind_null(s, idx);
}

uint64_t storms_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}
