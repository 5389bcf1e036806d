/*
 * core/core-local.h - helpers shared inside libreplay: logging and small utilities.
 */
#ifndef MMR_CORE_LOCAL_H
#define MMR_CORE_LOCAL_H

#include <stdarg.h>
#include "mmr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void mmr_log(enum mmr_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define mmr_err(...)	mmr_log(MMR_LOG_ERROR, __VA_ARGS__)
#define mmr_warn(...)	mmr_log(MMR_LOG_WARN, __VA_ARGS__)
#define mmr_info(...)	mmr_log(MMR_LOG_INFO, __VA_ARGS__)
#define mmr_debug(...)	mmr_log(MMR_LOG_DEBUG, __VA_ARGS__)

/*
 * A growable string, for JSON and SQL text. On allocation failure the buffer
 * latches into an error state (sb_failed()) and further appends are ignored, so
 * callers check once at the end.
 */
struct strbuf {
	char	*buf;
	size_t	len;
	size_t	cap;
	int	failed;
};

void sb_init(struct strbuf *sb);
void sb_release(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends @s as a JSON string literal, quotes included. */
void sb_add_json_str(struct strbuf *sb, const char *s, size_t n);
static inline const char *sb_str(const struct strbuf *sb) { return sb->buf ? sb->buf : ""; }
static inline int sb_failed(const struct strbuf *sb) { return sb->failed; }

/*
 * store-open.c: a second, read-only connection to @st's database, for another
 * thread to read while @st writes. Only for a file in WAL mode, where a reader never
 * blocks the writer. Return: 0, -MMR_E_INVAL if @st is not such a file, or an error.
 */
int store_open_reader(struct mmr_store *st, struct mmr_store **out);

/*
 * storms-derive.c: the allocation counts of a run's timeline buckets, kept by the
 * writer of its mm_page_alloc rows (the replay) as it writes them, so that deriving
 * the storms tables need not read every row back. Bucket 0 starts at @start_ts; the
 * counts are used only if that is the run's start and @bucket_ns the derivation's.
 */
struct storms_alloc_bucket {
	uint64_t	allocs[4];	/* unmovable, movable, reclaimable, other */
	uint64_t	failed;
};

struct storms_allocs {
	uint64_t			start_ts, bucket_ns;
	bool				started;	/* storms_allocs_start() was called */
	bool				broken;		/* out of memory: the rows are read */
	bool				any;		/* a row was counted */
	unsigned int			pfn_field, mt_field;
	struct storms_alloc_bucket	*b;
	size_t				nr, cap;
};

/* @o: the options the run will be derived with; NULL for the defaults. */
void storms_allocs_init(struct storms_allocs *a, const struct mmr_storm_opts *o);
void storms_allocs_start(struct storms_allocs *a, uint64_t start_ts);
/* Counts the mm_page_alloc row @ev is written as. */
void storms_allocs_add(struct storms_allocs *a, const struct mmr_event *ev);
void storms_allocs_release(struct storms_allocs *a);
/* mmr_storms_derive() with the counts in @a, where they fit the run (else NULL). */
int storms_derive_counted(struct mmr_store *st, int64_t run_id, const struct mmr_storm_opts *o,
			  const struct storms_allocs *a);

/*
 * Makes room for @need elements of @size bytes in *@v (capacity *@cap, doubled);
 * the new elements are not initialised. Return: 0 or -ENOMEM (*@v unchanged).
 */
int mmr_grow(void **v, size_t *cap, size_t need, size_t size);

/* Reads a whole (small, /proc-style) file into a new NUL-terminated buffer. */
int read_text_file(const char *path, char **out, size_t *len);

#endif
