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

/* Reads a whole (small, /proc-style) file into a new NUL-terminated buffer. */
int read_text_file(const char *path, char **out, size_t *len);

#endif
