/*
 * store/store-local.h - internals of the SQLite store. Only store/ includes sqlite3.h.
 */
#ifndef MMR_STORE_LOCAL_H
#define MMR_STORE_LOCAL_H

#include <sqlite3.h>
#include "core-local.h"

struct store_migration {
	int		version;
	const char	*name;
	const char	*sql;
};

/* Generated from schema/ at build time (store-schema-gen.c). */
extern const struct store_migration store_migrations[];
extern const unsigned int store_nr_migrations;

struct mmr_store {
	sqlite3		*db;
	unsigned int	flags;
	int		version;
	int		in_txn;
	char		*path;
	struct mmr_writer *writers;	/* flushed before every commit */
};

struct mmr_stmt {
	struct mmr_store	*st;
	sqlite3_stmt		*stmt;
};

/* Maps an SQLite result code to ours, logging @what and the SQLite message. */
int store_error(struct mmr_store *st, int rc, const char *what);
int store_prepare(struct mmr_store *st, const char *sql, sqlite3_stmt **out);
/* Writes the rows every writer of @st still buffers. */
int store_flush_writers(struct mmr_store *st);

#endif
