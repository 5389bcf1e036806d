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

static void test_rollback_discards_buffered_and_written_rows(void **state)
{
	/* a rolled-back transaction leaves no rows, buffered or already inserted */
	struct fixture *f = *state;
	struct mmr_run_info info = { .kind = "synth" };
	struct mmr_writer *w;
	struct mmr_store *st;
	struct mmr_event ev;
	int64_t run, n = -1;

	assert_int_equal(mmr_store_open(f->path, MMR_STORE_CREATE, &st), 0);
	assert_int_equal(mmr_store_begin(st), 0);
	assert_int_equal(mmr_store_run_add(st, &info, &run), 0);
	assert_int_equal(mmr_writer_new(st, run, &w), 0);
	for (int i = 0; i < 70; i++) {
		mmr_event_init(&ev, MMR_EV_PAGE_ALLOC);
		ev.ts = (uint64_t)i;
		assert_int_equal(mmr_writer_add(w, &ev), 0);
	}
	mmr_store_rollback(st);
	mmr_writer_free(w);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM mm_page_alloc", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(mmr_store_query_int(st, "SELECT count(*) FROM runs", &n), 0);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
