/*
 * core/core-log.c - the log callback and the small string, array and file helpers the
 * modules share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core-local.h"

static void log_default(enum mmr_log_level level, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "mmreplay: %s%s\n", level == MMR_LOG_ERROR ? "error: " :
		level == MMR_LOG_WARN ? "warning: " : "", msg);
}

static mmr_log_fn log_fn = log_default;
static void *log_arg;
static enum mmr_log_level log_max = MMR_LOG_WARN;

void mmr_set_log_fn(mmr_log_fn fn, void *arg, enum mmr_log_level max_level)
{
	log_fn = fn ? fn : log_default;
	log_arg = arg;
	log_max = max_level;
}

void mmr_log(enum mmr_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(level, msg, log_arg);
}

void sb_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static int sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	char *p;

	if (sb->failed)
		return -1;
	if (need <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p) {
		sb->failed = 1;
		return -1;
	}
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

void sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	if (sb_grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_add_json_str(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	sb_addn(sb, "\"", 1);
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c == '"' || c == '\\') {
			char two[2] = { '\\', (char)c };
			sb_addn(sb, two, 2);
		} else if (c < 0x20 || c == 0x7f) {
			sb_addn(sb, esc, 6);
		} else {
			sb_addn(sb, (const char *)&s[i], 1);
		}
	}
	sb_addn(sb, "\"", 1);
}

int mmr_grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*v, ncap * size);
	if (!n)
		return -ENOMEM;
	*v = n;
	*cap = ncap;
	return 0;
}

int read_text_file(const char *path, char **out, size_t *len)
{
	struct strbuf sb;
	char chunk[8192];
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	sb_init(&sb);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			close(fd);
			sb_release(&sb);
			return err;
		}
		if (n == 0)
			break;
		sb_addn(&sb, chunk, (size_t)n);
	}
	close(fd);
	if (!sb.buf)
		sb_addn(&sb, "", 0);
	if (sb_failed(&sb)) {
		sb_release(&sb);
		return -ENOMEM;
	}
	*out = sb.buf;
	if (len)
		*len = sb.len;
	return 0;
}
