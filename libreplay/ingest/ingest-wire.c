/*
 * ingest/ingest-wire.c - decoded events and log lines over a pipe, between a
 * reader process (that runs a trace library on untrusted input) and the importer.
 *
 * Messages are host-endian (both ends are the same program on the same machine):
 *	struct wire_hdr, then for MSG_EVENT nval int64 values and the present strings
 *	(u32 length + bytes each), for MSG_LOG the text, for MSG_U64 a key and values.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ingest-local.h"

struct wire_hdr {
	uint32_t	len;		/* whole message, header included */
	uint8_t		kind;
	uint8_t		nval;
	uint8_t		strs;		/* bit i: string i present (see wire_strs) */
	uint8_t		level;		/* MSG_LOG */
	uint16_t	type;
	uint16_t	key;		/* MSG_U64 */
	uint32_t	missing;
	int32_t		cpu;
	int32_t		pid;
	uint32_t	pad;
	uint64_t	ts;
};

#define WIRE_NSTRS 5

static const char **wire_str(struct mmr_event *ev, int i)
{
	switch (i) {
	case 0: return &ev->str;
	case 1: return &ev->extra;
	case 2: return &ev->system;
	case 3: return &ev->name;
	default: return &ev->json;
	}
}

void wire_out_init(struct wire_out *w, int fd)
{
	w->fd = fd;
	w->len = 0;
	w->failed = 0;
}

int wire_flush(struct wire_out *w)
{
	size_t done = 0;

	while (!w->failed && done < w->len) {
		ssize_t n = write(w->fd, w->buf + done, w->len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->failed = 1;	/* the importer went away */
			break;
		}
		done += (size_t)n;
	}
	w->len = 0;
	return w->failed ? -EPIPE : 0;
}

/* Reserves @n bytes in the output buffer, flushing first if needed. */
static char *wire_reserve(struct wire_out *w, size_t n)
{
	if (n > sizeof(w->buf))
		return NULL;
	if (w->len + n > sizeof(w->buf) && wire_flush(w))
		return NULL;
	char *p = w->buf + w->len;
	w->len += n;
	return p;
}

int wire_put_event(struct wire_out *w, const struct mmr_event *ev)
{
	const struct mmr_event_desc *d = mmr_event_desc(ev->type);
	struct wire_hdr h = { 0 };
	uint32_t slen[WIRE_NSTRS];
	const char *s[WIRE_NSTRS];
	size_t n;
	char *p;

	h.kind = MSG_EVENT;
	h.nval = d ? (uint8_t)d->nr_fields : 0;
	h.type = (uint16_t)ev->type;
	h.missing = ev->missing;
	h.cpu = ev->cpu;
	h.pid = ev->pid;
	h.ts = ev->ts;
	n = sizeof(h) + h.nval * sizeof(int64_t);
	for (int i = 0; i < WIRE_NSTRS; i++) {
		s[i] = *wire_str((struct mmr_event *)ev, i);
		/* system and name travel only for generic events */
		if ((i == 2 || i == 3) && ev->type != MMR_EV_GENERIC)
			s[i] = NULL;
		if (!s[i])
			continue;
		slen[i] = (uint32_t)strlen(s[i]);
		h.strs |= (uint8_t)(1u << i);
		n += sizeof(uint32_t) + slen[i];
	}
	h.len = (uint32_t)n;
	p = wire_reserve(w, n);
	if (!p)
		return -EPIPE;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	memcpy(p, ev->val, h.nval * sizeof(int64_t));
	p += h.nval * sizeof(int64_t);
	for (int i = 0; i < WIRE_NSTRS; i++) {
		if (!(h.strs & (1u << i)))
			continue;
		memcpy(p, &slen[i], sizeof(uint32_t));
		p += sizeof(uint32_t);
		memcpy(p, s[i], slen[i]);
		p += slen[i];
	}
	return 0;
}

int wire_put_log(struct wire_out *w, int level, const char *msg)
{
	struct wire_hdr h = { 0 };
	size_t len = strnlen(msg, 2048);
	char *p;

	h.kind = MSG_LOG;
	h.level = (uint8_t)level;
	h.len = (uint32_t)(sizeof(h) + len);
	p = wire_reserve(w, h.len);
	if (!p)
		return -EPIPE;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), msg, len);
	return 0;
}

int wire_put_u64(struct wire_out *w, int key, const uint64_t *v, int nv)
{
	struct wire_hdr h = { 0 };
	char *p;

	h.kind = MSG_U64;
	h.key = (uint16_t)key;
	h.nval = (uint8_t)nv;
	h.len = (uint32_t)(sizeof(h) + (size_t)nv * sizeof(uint64_t));
	p = wire_reserve(w, h.len);
	if (!p)
		return -EPIPE;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), v, (size_t)nv * sizeof(uint64_t));
	return 0;
}

int wire_put_end(struct wire_out *w)
{
	struct wire_hdr h = { .len = sizeof(h), .kind = MSG_END };
	char *p = wire_reserve(w, sizeof(h));

	if (!p)
		return -EPIPE;
	memcpy(p, &h, sizeof(h));
	return 0;
}

/*
 * Parses one message at @p (@avail bytes). Return: its length, 0 if incomplete,
 * or -1 if malformed. Strings are NUL-terminated in place by moving them into
 * @scratch, so the event's pointers stay valid until the next call.
 */
static long wire_parse(const char *p, size_t avail, struct wire_msg *m, struct strbuf *scratch)
{
	struct wire_hdr h;
	const char *q, *end;

	if (avail < sizeof(h))
		return 0;
	memcpy(&h, p, sizeof(h));
	if (h.len < sizeof(h) || h.len > WIRE_MAX_MSG)
		return -1;
	if (avail < h.len)
		return 0;
	end = p + h.len;
	q = p + sizeof(h);
	m->kind = h.kind;
	if (h.kind == MSG_EVENT) {
		struct mmr_event *ev = &m->ev;
		size_t off[WIRE_NSTRS];

		if (h.nval > MMR_EVENT_MAX_FIELDS || h.type >= MMR_EV__COUNT ||
		    (size_t)(end - q) < h.nval * sizeof(int64_t))
			return -1;
		memset(ev, 0, sizeof(*ev));
		ev->type = (enum mmr_event_type)h.type;
		ev->missing = h.missing;
		ev->cpu = h.cpu;
		ev->pid = h.pid;
		ev->ts = h.ts;
		memcpy(ev->val, q, h.nval * sizeof(int64_t));
		q += h.nval * sizeof(int64_t);
		sb_reset(scratch);
		for (int i = 0; i < WIRE_NSTRS; i++) {
			uint32_t len;

			off[i] = (size_t)-1;
			if (!(h.strs & (1u << i)))
				continue;
			if ((size_t)(end - q) < sizeof(len))
				return -1;
			memcpy(&len, q, sizeof(len));
			q += sizeof(len);
			if ((size_t)(end - q) < len)
				return -1;
			off[i] = scratch->len;
			sb_addn(scratch, q, len);
			sb_addn(scratch, "", 1);	/* keep the NUL inside len */
			q += len;
		}
		if (sb_failed(scratch))
			return -1;
		for (int i = 0; i < WIRE_NSTRS; i++)
			if (off[i] != (size_t)-1)
				*wire_str(ev, i) = scratch->buf + off[i];
	} else if (h.kind == MSG_LOG) {
		size_t len = (size_t)(end - q);

		if (len >= sizeof(m->text))
			len = sizeof(m->text) - 1;
		memcpy(m->text, q, len);
		m->text[len] = '\0';
		m->level = h.level;
	} else if (h.kind == MSG_U64) {
		if (h.nval > ARRAY_SIZE(m->u64) || (size_t)(end - q) != h.nval * sizeof(uint64_t))
			return -1;
		m->key = h.key;
		m->nval = h.nval;
		memcpy(m->u64, q, h.nval * sizeof(uint64_t));
	} else if (h.kind != MSG_END) {
		return -1;
	}
	return (long)h.len;
}

int wire_in_init(struct wire_in *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cap = 1 << 20;
	r->buf = malloc(r->cap);
	sb_init(&r->scratch);
	return r->buf ? 0 : -ENOMEM;
}

void wire_in_release(struct wire_in *r)
{
	free(r->buf);
	sb_release(&r->scratch);
}

int wire_next(struct wire_in *r, struct wire_msg *m)
{
	for (;;) {
		long n = wire_parse(r->buf + r->pos, r->len - r->pos, m, &r->scratch);

		if (n < 0)
			return -MMR_E_FORMAT;
		if (n > 0) {
			r->pos += (size_t)n;
			return 1;
		}
		/* need more bytes: compact, then read */
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
		ssize_t got = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return r->len ? -MMR_E_FORMAT : 0;	/* EOF */
		r->len += (size_t)got;
	}
}
