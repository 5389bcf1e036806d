/*
 * store/store-open.c - opening a database, applying schema migrations, transactions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store-local.h"

int store_error(struct mmr_store *st, int rc, const char *what)
{
	int base = rc & 0xff;

	if (base == SQLITE_FULL) {
		mmr_err("%s: disk full", what);
		return -MMR_E_FULL;
	}
	if (base == SQLITE_NOTADB) {
		mmr_err("'%s' is not an mmreplay database", st && st->path ? st->path : "?");
		return -MMR_E_NOT_DB;
	}
	if (base == SQLITE_INTERRUPT)
		return -MMR_E_INTR;
	if (base == SQLITE_IOERR && st && st->db) {
		int xerr = sqlite3_system_errno(st->db);
		if (xerr == ENOSPC || xerr == EDQUOT) {
			mmr_err("%s: disk full", what);
			return -MMR_E_FULL;
		}
	}
	mmr_err("%s: %s", what, st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	return -MMR_E_SQLITE;
}

int store_prepare(struct mmr_store *st, const char *sql, sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);

	if (rc != SQLITE_OK)
		return store_error(st, rc, "preparing a statement");
	return 0;
}

int mmr_store_exec(struct mmr_store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_error(st, rc, "executing SQL");
	return 0;
}

static int store_user_version(struct mmr_store *st, int *version)
{
	sqlite3_stmt *s;
	int err, rc;

	err = store_prepare(st, "PRAGMA user_version", &s);
	if (err)
		return err;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		err = store_error(st, rc, "reading the schema version");
		sqlite3_finalize(s);
		return err;
	}
	*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

/* True when the file holds tables but is not one of ours. */
static int store_is_foreign(struct mmr_store *st, int *foreign)
{
	sqlite3_stmt *s;
	int err, rc;

	err = store_prepare(st, "SELECT count(*) FROM sqlite_master", &s);
	if (err)
		return err;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		err = store_error(st, rc, "reading the database");
		sqlite3_finalize(s);
		return err;
	}
	*foreign = sqlite3_column_int(s, 0) > 0;
	sqlite3_finalize(s);
	return 0;
}

static int store_migrate(struct mmr_store *st)
{
	int latest = mmr_store_latest_version();
	int err, foreign = 0;

	err = store_user_version(st, &st->version);
	if (err)
		return err;
	if (st->version > latest) {
		mmr_err("'%s' has schema version %d; this mmreplay knows up to %d: upgrade mmreplay",
			st->path, st->version, latest);
		return -MMR_E_SCHEMA;
	}
	if (st->version == 0) {
		err = store_is_foreign(st, &foreign);
		if (err)
			return err;
		if (foreign) {
			mmr_err("'%s' is an SQLite file but not an mmreplay database", st->path);
			return -MMR_E_NOT_DB;
		}
	}
	if (st->version == latest)
		return 0;
	if (st->flags & MMR_STORE_READONLY) {
		/* Readers see what the file has; tables added later are simply absent. */
		mmr_debug("'%s' has schema version %d (current %d); opened read-only without migrating",
			  st->path, st->version, latest);
		return 0;
	}
	for (unsigned int i = 0; i < store_nr_migrations; i++) {
		const struct store_migration *m = &store_migrations[i];
		char setver[64];

		if (m->version <= st->version)
			continue;
		err = mmr_store_exec(st, "BEGIN IMMEDIATE");
		if (err)
			return err;
		snprintf(setver, sizeof(setver), "PRAGMA user_version = %d", m->version);
		err = mmr_store_exec(st, m->sql);
		if (!err)
			err = mmr_store_exec(st, setver);
		if (!err)
			err = mmr_store_exec(st, "COMMIT");
		if (err) {
			mmr_err("applying schema %s failed", m->name);
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return err;
		}
		st->version = m->version;
	}
	return 0;
}

int mmr_store_latest_version(void)
{
	return store_nr_migrations ? store_migrations[store_nr_migrations - 1].version : 0;
}

int mmr_store_version(struct mmr_store *st)
{
	return st->version;
}

/* A store is used by one thread at a time: no SQLite mutexes (NOMUTEX). */
static int store_sqlite_flags(unsigned int flags)
{
	if (flags & MMR_STORE_READONLY)
		return SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	return SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	       ((flags & MMR_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
}

int mmr_store_open(const char *path, unsigned int flags, struct mmr_store **out)
{
	struct mmr_store *st;
	int err, rc;

	if (!(flags & MMR_STORE_CREATE) && access(path, F_OK) != 0) {
		err = -errno;
		mmr_err("cannot open '%s': %s", path, mmr_strerror(err));
		return err;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->flags = flags;
	st->path = strdup(path);
	if (!st->path) {
		free(st);
		return -ENOMEM;
	}
	rc = sqlite3_open_v2(path, &st->db, store_sqlite_flags(flags), NULL);
	if (rc != SQLITE_OK) {
		mmr_err("cannot open '%s': %s", path, st->db ? sqlite3_errmsg(st->db) :
			sqlite3_errstr(rc));
		err = (rc & 0xff) == SQLITE_CANTOPEN && access(path, F_OK) != 0 ? -ENOENT :
			-MMR_E_SQLITE;
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if (flags & MMR_STORE_BULK) {
		/*
		 * A bulk load appends pages: with a rollback journal they are written
		 * once and a rollback still restores the file exactly, where WAL would
		 * write every page twice (log, then checkpoint). WAL comes back at close.
		 */
		err = mmr_store_exec(st, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; "
				     "PRAGMA cache_size = -65536; PRAGMA locking_mode = EXCLUSIVE");
		if (err)
			goto fail;
	} else if (!(flags & MMR_STORE_READONLY)) {
		/* WAL lets readers query while a recorder writes. */
		err = mmr_store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
		if (err)
			goto fail;
	}
	err = store_migrate(st);
	if (err)
		goto fail;
	*out = st;
	return 0;
fail:
	mmr_store_close(st);
	return err;
}

void mmr_store_close(struct mmr_store *st)
{
	if (!st)
		return;
	if (st->writers)
		mmr_warn("closing a store with writers still open");
	if (st->db) {
		if (st->in_txn)
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		if ((st->flags & MMR_STORE_BULK) && st->version > 0)
			sqlite3_exec(st->db, "PRAGMA locking_mode = NORMAL; "
				     "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		sqlite3_close_v2(st->db);
	}
	free(st->path);
	free(st);
}

int store_open_reader(struct mmr_store *st, struct mmr_store **out)
{
	const char *file = sqlite3_db_filename(st->db, "main");
	sqlite3_stmt *s;
	bool wal = false;
	int err;

	*out = NULL;
	if (!file || !*file)
		return -MMR_E_INVAL;	/* in memory or temporary */
	err = store_prepare(st, "PRAGMA journal_mode", &s);
	if (err)
		return err;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(s, 0);

		wal = mode && !strcmp((const char *)mode, "wal");
	}
	sqlite3_finalize(s);
	if (!wal)
		return -MMR_E_INVAL;
	return mmr_store_open(file, MMR_STORE_READONLY, out);
}

const char *mmr_store_errmsg(struct mmr_store *st)
{
	return st && st->db ? sqlite3_errmsg(st->db) : "no database";
}

int mmr_store_begin(struct mmr_store *st)
{
	int err = mmr_store_exec(st, "BEGIN IMMEDIATE");

	if (!err)
		st->in_txn = 1;
	return err;
}

int mmr_store_commit(struct mmr_store *st)
{
	int err = store_flush_writers(st);

	if (!err)
		err = mmr_store_exec(st, "COMMIT");

	if (!err)
		st->in_txn = 0;
	return err;
}

void mmr_store_rollback(struct mmr_store *st)
{
	if (st && st->db && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	if (st)
		st->in_txn = 0;
}

int64_t mmr_store_last_rowid(struct mmr_store *st)
{
	return sqlite3_last_insert_rowid(st->db);
}
