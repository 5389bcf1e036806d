/*
 * tests/unit/test-store.c - schema versions and migrations, the catalog against the
 * schema, and the writer's batching and transactions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "store-local.h"

struct fixture {
	char path[64];
};

static void quiet(enum mmr_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/mmr-test-store.XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(f->path);	/* the store creates it */
	*state = f;
	mmr_set_log_fn(quiet, NULL, MMR_LOG_DEBUG);	/* errors are expected here */
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[96];

	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

static void set_user_version(const char *path, int v)
{
	sqlite3 *db;
	char sql[64];

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_new_store_gets_latest_schema(void **state)
{
	/* a new file is created at the newest schema version */
	struct fixture *f = *state;
	struct mmr_store *st;

	assert_int_equal(mmr_store_open(f->path, MMR_STORE_CREATE, &st), 0);
	assert_int_equal(mmr_store_version(st), mmr_store_latest_version());
	assert_true(mmr_store_latest_version() >= 1);
	mmr_store_close(st);
}

static void test_newer_schema_is_refused(void **state)
{
	/* a store written by a newer mmreplay is refused, read-only or not */
	struct fixture *f = *state;
	struct mmr_store *st = NULL;

	assert_int_equal(mmr_store_open(f->path, MMR_STORE_CREATE, &st), 0);
	mmr_store_close(st);
	set_user_version(f->path, mmr_store_latest_version() + 1);
	st = NULL;
	assert_int_equal(mmr_store_open(f->path, 0, &st), -MMR_E_SCHEMA);
	assert_null(st);
	assert_int_equal(mmr_store_open(f->path, MMR_STORE_READONLY, &st), -MMR_E_SCHEMA);
}

static void test_v1_store_opens_and_migrates(void **state)
{
	/* a store at schema v1 opens, and is migrated to the newest version */
	struct fixture *f = *state;
	struct mmr_store *st;
	sqlite3 *db;

	/* build a v1 file by hand: the first migration only */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, store_migrations[0].sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(mmr_store_open(f->path, MMR_STORE_READONLY, &st), 0);
	assert_int_equal(mmr_store_version(st), 1);	/* readers do not migrate */
	mmr_store_close(st);
	assert_int_equal(mmr_store_open(f->path, 0, &st), 0);
	assert_int_equal(mmr_store_version(st), mmr_store_latest_version());
	mmr_store_close(st);
}

static void test_foreign_sqlite_file_is_refused(void **state)
{
	/* an SQLite file that is not ours is not silently turned into a store */
	struct fixture *f = *state;
	struct mmr_store *st;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE x (a)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(mmr_store_open(f->path, 0, &st), -MMR_E_NOT_DB);
}

static int collect_columns(void *arg, int ncols, const char *const *names,
			   const struct mmr_value *vals)
{
	struct strbuf *sb = arg;

	(void)ncols;
	(void)names;
	if (vals)
		sb_addf(sb, "%s,", vals[0].s);
	return 0;
}

static void test_catalog_matches_schema(void **state)
{
	/* every typed event's table has run_id, ts, seq, cpu, pid, its columns, extra */
	struct fixture *f = *state;
	struct mmr_store *st;

	assert_int_equal(mmr_store_open(f->path, MMR_STORE_CREATE, &st), 0);
	for (int t = MMR_EV_GENERIC + 1; t < MMR_EV__COUNT; t++) {
		const struct mmr_event_desc *d = mmr_event_desc((enum mmr_event_type)t);
		struct strbuf got, want;
		char sql[160];

		sb_init(&got);
		sb_init(&want);
		sb_adds(&want, "run_id,ts,seq,cpu,pid,");
		for (unsigned int i = 0; i < d->nr_fields; i++)
			sb_addf(&want, "%s,", d->columns[i]);
		sb_adds(&want, "extra,");
		snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s') ORDER BY cid",
			 d->name);
		assert_int_equal(mmr_store_query(st, sql, collect_columns, &got), 0);
		assert_string_equal(sb_str(&got), sb_str(&want));
		sb_release(&got);
		sb_release(&want);
	}
	mmr_store_close(st);
}

static void test_writer_batches_and_commit_flushes(void **state)
{
	/* buffered rows reach the table at commit, with seq numbering every event */
	struct fixture *f = *state;
	struct mmr_run_info info = { .kind = "synth" };
	struct mmr_writer *w;
	struct mmr_store *st;
	struct mmr_event ev;
	int64_t run, n = 0;

	assert_int_equal(mmr_store_open(f->path, MMR_STORE_CREATE, &st), 0);
	assert_int_equal(mmr_store_begin(st), 0);
	assert_int_equal(mmr_store_run_add(st, &info, &run), 0);
	assert_int_equal(mmr_writer_new(st, run, &w), 0);
	for (int i = 0; i < 100; i++) {
		mmr_event_init(&ev, i % 3 ? MMR_EV_PAGE_ALLOC : MMR_EV_PAGE_FREE);
		ev.ts = 1000 + (uint64_t)i;
		ev.val[0] = i;
		if (i == 51)
			ev.missing = 1u << 1;	/* order absent (51 is a free) */
		assert_int_equal(mmr_writer_add(w, &ev), 0);
	}
	mmr_event_init(&ev, MMR_EV_MARK_VICTIM);
	ev.ts = 2000;
	ev.str = "victim comm";
	assert_int_equal(mmr_writer_add(w, &ev), 0);
	assert_int_equal(mmr_store_commit(st), 0);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mm_page_alloc", &n), 0);
	assert_int_equal(n, 66);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mm_page_free", &n), 0);
	assert_int_equal(n, 34);
	assert_int_equal(mmr_store_query_int(st, "SELECT seq FROM mark_victim", &n), 0);
	assert_int_equal(n, 100);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mark_victim WHERE "
					     "comm = 'victim comm'", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mm_page_free WHERE "
					     "\"order\" IS NULL AND pfn = 51", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mmr_writer_count(w, MMR_EV_PAGE_ALLOC), 66);
	mmr_writer_free(w);
	mmr_store_close(st);
}

static void rollback_discards(const char *path, int async)
{
	struct mmr_run_info info = { .kind = "synth" };
	struct mmr_writer *w;
	struct mmr_store *st;
	struct mmr_event ev;
	int64_t run, n = -1;

	assert_int_equal(mmr_store_open(path, MMR_STORE_CREATE, &st), 0);
	assert_int_equal(mmr_store_begin(st), 0);
	assert_int_equal(mmr_store_run_add(st, &info, &run), 0);
	assert_int_equal(mmr_writer_new(st, run, &w), 0);
	if (async)
		assert_int_equal(mmr_writer_async(w), 0);
	for (int i = 0; i < (async ? 5000 : 70); i++) {
		mmr_event_init(&ev, MMR_EV_PAGE_ALLOC);
		ev.ts = (uint64_t)i;
		assert_int_equal(mmr_writer_add(w, &ev), 0);
	}
	mmr_store_rollback(st);		/* waits for the writer's thread first */
	mmr_writer_free(w);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mm_page_alloc", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM runs", &n), 0);
	assert_int_equal(n, 0);
	mmr_store_close(st);
}

static void test_rollback_discards_buffered_and_written_rows(void **state)
{
	/* a rolled-back transaction leaves no rows, buffered, queued or already inserted */
	struct fixture *f = *state;

	rollback_discards(f->path, 0);
	unlink(f->path);
	rollback_discards(f->path, 1);
}

/* Adds @n mixed events (three tables, strings, missing fields) through @w. */
static void add_mixed_events(struct mmr_writer *w, int n)
{
	struct mmr_event ev;

	for (int i = 0; i < n; i++) {
		mmr_event_init(&ev, i % 7 == 0 ? MMR_EV_MARK_VICTIM :
				    i % 3 ? MMR_EV_PAGE_ALLOC : MMR_EV_PAGE_FREE);
		ev.ts = 1000 + (uint64_t)i * 3;
		ev.cpu = i % 4;
		ev.pid = 100 + i % 11;
		for (int k = 0; k < 4; k++)
			ev.val[k] = (int64_t)i * 1000 + k;
		if (i % 13 == 0)
			ev.missing = 1u << 1;
		if (ev.type == MMR_EV_MARK_VICTIM)
			ev.str = i % 2 ? "odd comm" : "even comm";
		if (i % 101 == 0)
			ev.extra = "{\"new_field\":1}";
		assert_int_equal(mmr_writer_add(w, &ev), 0);
	}
}

/* Rows of @table in run @a that run @b lacks, and the other way round. */
static int64_t run_diff(struct mmr_store *st, const char *table, int64_t a, int64_t b)
{
	char sql[512];
	int64_t n = -1;

	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT count(*) FROM (SELECT * FROM %1$s WHERE run_id = %2$lld EXCEPT "
		 "SELECT %2$lld, ts, seq, cpu, pid, pfn, \"order\", gfp_flags, migratetype, extra "
		 "FROM %1$s WHERE run_id = %3$lld)) + (SELECT count(*) FROM (SELECT * FROM "
		 "%1$s WHERE run_id = %3$lld EXCEPT SELECT %3$lld, ts, seq, cpu, pid, pfn, "
		 "\"order\", gfp_flags, migratetype, extra FROM %1$s WHERE run_id = %2$lld))",
		 table, (long long)a, (long long)b);
	assert_int_equal(mmr_store_query_int(st, sql, &n), 0);
	return n;
}

static void test_async_writer_writes_what_the_sync_one_does(void **state)
{
	/* the same events through an async writer land exactly as through a plain one */
	struct fixture *f = *state;
	struct mmr_run_info info = { .kind = "synth" };
	struct mmr_writer *w;
	struct mmr_store *st;
	int64_t run[2], n = -1, m = -1;

	assert_int_equal(mmr_store_open(f->path, MMR_STORE_CREATE | MMR_STORE_BULK, &st), 0);
	for (int async = 0; async < 2; async++) {
		assert_int_equal(mmr_store_begin(st), 0);
		assert_int_equal(mmr_store_run_add(st, &info, &run[async]), 0);
		assert_int_equal(mmr_writer_new(st, run[async], &w), 0);
		if (async)
			assert_int_equal(mmr_writer_async(w), 0);
		add_mixed_events(w, 20000);	/* many more batches than the queue holds */
		assert_int_equal(mmr_writer_flush(w), 0);
		/* the store is the caller's again: a plain statement works */
		assert_int_equal(mmr_store_run_finish(st, run[async], 1000, 61000, 20000, true), 0);
		assert_int_equal(mmr_store_commit(st), 0);
		mmr_writer_free(w);
	}
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mm_page_alloc WHERE "
					     "run_id = 2", &n), 0);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mm_page_alloc WHERE "
					     "run_id = 1", &m), 0);
	assert_int_equal(n, m);
	assert_true(n > 10000);
	assert_int_equal(run_diff(st, "mm_page_alloc", run[0], run[1]), 0);
	assert_int_equal(mmr_store_query_int(st, "SELECT (SELECT group_concat(seq || comm || "
					     "coalesce(extra, '-')) FROM mark_victim WHERE run_id = 1) "
					     "= (SELECT group_concat(seq || comm || coalesce(extra, '-')) "
					     "FROM mark_victim WHERE run_id = 2)", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mmr_store_query_int(st, "SELECT (SELECT sum(seq * 7 + pfn + "
					     "coalesce(\"order\", -5)) FROM mm_page_free WHERE run_id = 1) "
					     "- (SELECT sum(seq * 7 + pfn + coalesce(\"order\", -5)) FROM "
					     "mm_page_free WHERE run_id = 2)", &n), 0);
	assert_int_equal(n, 0);
	mmr_store_close(st);
}

static void test_async_writer_reports_insert_errors(void **state)
{
	/* an insert that fails on the writer's thread is an error to the caller */
	struct fixture *f = *state;
	struct mmr_run_info info = { .kind = "synth" };
	struct mmr_writer *w;
	struct mmr_store *st;
	struct mmr_event ev;
	int64_t run, n = -1;
	int err = 0;

	assert_int_equal(mmr_store_open(f->path, MMR_STORE_CREATE, &st), 0);
	assert_int_equal(mmr_store_exec(st, "DROP TABLE mm_page_free"), 0);
	assert_int_equal(mmr_store_begin(st), 0);
	assert_int_equal(mmr_store_run_add(st, &info, &run), 0);
	assert_int_equal(mmr_writer_new(st, run, &w), 0);
	assert_int_equal(mmr_writer_async(w), 0);
	for (int i = 0; i < 5000 && !err; i++) {
		mmr_event_init(&ev, i % 2 ? MMR_EV_PAGE_ALLOC : MMR_EV_PAGE_FREE);
		ev.ts = (uint64_t)i;
		err = mmr_writer_add(w, &ev);
	}
	if (!err)
		err = mmr_writer_flush(w);
	assert_true(err < 0);
	assert_true(mmr_writer_flush(w) < 0);	/* and it stays one */
	mmr_store_rollback(st);
	mmr_writer_free(w);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mm_page_alloc", &n), 0);
	assert_int_equal(n, 0);
	mmr_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_store_gets_latest_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_store_opens_and_migrates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sqlite_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catalog_matches_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_batches_and_commit_flushes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rollback_discards_buffered_and_written_rows,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_writer_writes_what_the_sync_one_does,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_writer_reports_insert_errors, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
