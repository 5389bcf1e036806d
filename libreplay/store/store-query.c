/*
 * store/store-query.c - the read side: ad-hoc queries with a row callback, and a
 * thin prepared-statement API for modules that must not include sqlite3.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "store-local.h"

int mmr_store_query(struct mmr_store *st, const char *sql, mmr_row_fn fn, void *arg)
{
	struct mmr_value *vals = NULL;
	const char **names = NULL;
	sqlite3_stmt *s;
	const char *tail;
	int ncols, rc, err;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, &tail);
	if (rc != SQLITE_OK)
		return store_error(st, rc, "preparing the query");
	if (!s) {
		mmr_err("the query is empty");
		return -MMR_E_INVAL;
	}
	while (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';' || *tail == '\r')
		tail++;
	if (*tail) {
		sqlite3_finalize(s);
		mmr_err("give one SQL statement at a time");
		return -MMR_E_INVAL;
	}
	ncols = sqlite3_column_count(s);
	names = calloc((size_t)ncols + 1, sizeof(*names));
	vals = calloc((size_t)ncols + 1, sizeof(*vals));
	if (!names || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < ncols; i++)
		names[i] = sqlite3_column_name(s, i);
	err = fn(arg, ncols, names, NULL);
	while (!err) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			err = store_error(st, rc, "running the query");
			break;
		}
		for (int i = 0; i < ncols; i++) {
			struct mmr_value *v = &vals[i];

			memset(v, 0, sizeof(*v));
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER:
				v->type = MMR_VAL_INT;
				v->i = sqlite3_column_int64(s, i);
				break;
			case SQLITE_FLOAT:
				v->type = MMR_VAL_REAL;
				v->d = sqlite3_column_double(s, i);
				break;
			case SQLITE_TEXT:
				v->type = MMR_VAL_TEXT;
				v->s = (const char *)sqlite3_column_text(s, i);
				v->len = (size_t)sqlite3_column_bytes(s, i);
				break;
			case SQLITE_BLOB:
				v->type = MMR_VAL_BLOB;
				v->s = sqlite3_column_blob(s, i);
				v->len = (size_t)sqlite3_column_bytes(s, i);
				break;
			default:
				v->type = MMR_VAL_NULL;
			}
		}
		err = fn(arg, ncols, names, vals);
	}
out:
	free(names);
	free(vals);
	sqlite3_finalize(s);
	return err;
}

int mmr_store_query_int(struct mmr_store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s;
	int rc, err;

	err = store_prepare(st, sql, &s);
	if (err)
		return err;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else if (rc == SQLITE_DONE)
		*out = 0;
	else
		err = store_error(st, rc, "running a query");
	sqlite3_finalize(s);
	return err;
}

int mmr_stmt_prepare(struct mmr_store *st, const char *sql, struct mmr_stmt **out)
{
	struct mmr_stmt *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->st = st;
	err = store_prepare(st, sql, &s->stmt);
	if (err) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

void mmr_stmt_free(struct mmr_stmt *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->stmt);
	free(s);
}

static int bind_rc(struct mmr_stmt *s, int rc)
{
	return rc == SQLITE_OK ? 0 : store_error(s->st, rc, "binding a parameter");
}

int mmr_stmt_bind_int(struct mmr_stmt *s, int idx, int64_t v)
{
	return bind_rc(s, sqlite3_bind_int64(s->stmt, idx, v));
}

int mmr_stmt_bind_double(struct mmr_stmt *s, int idx, double v)
{
	return bind_rc(s, sqlite3_bind_double(s->stmt, idx, v));
}

int mmr_stmt_bind_text(struct mmr_stmt *s, int idx, const char *v)
{
	if (!v)
		return bind_rc(s, sqlite3_bind_null(s->stmt, idx));
	return bind_rc(s, sqlite3_bind_text(s->stmt, idx, v, -1, SQLITE_TRANSIENT));
}

int mmr_stmt_bind_null(struct mmr_stmt *s, int idx)
{
	return bind_rc(s, sqlite3_bind_null(s->stmt, idx));
}

int mmr_stmt_step(struct mmr_stmt *s)
{
	int rc = sqlite3_step(s->stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_error(s->st, rc, "running a statement");
}

void mmr_stmt_reset(struct mmr_stmt *s)
{
	sqlite3_reset(s->stmt);
	sqlite3_clear_bindings(s->stmt);
}

int64_t mmr_stmt_int(struct mmr_stmt *s, int col)
{
	return sqlite3_column_int64(s->stmt, col);
}

int mmr_stmt_step_ints(struct mmr_stmt *s, int n, int64_t *out)
{
	int rc = mmr_stmt_step(s);

	if (rc != 1)
		return rc;
	for (int i = 0; i < n; i++)
		out[i] = sqlite3_column_int64(s->stmt, i);
	return 1;
}

double mmr_stmt_double(struct mmr_stmt *s, int col)
{
	return sqlite3_column_double(s->stmt, col);
}

const char *mmr_stmt_text(struct mmr_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s->stmt, col);
}

bool mmr_stmt_is_null(struct mmr_stmt *s, int col)
{
	return sqlite3_column_type(s->stmt, col) == SQLITE_NULL;
}
