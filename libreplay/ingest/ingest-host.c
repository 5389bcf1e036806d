/*
 * ingest/ingest-host.c - parsers of the host's allocator files: /proc/zoneinfo,
 * /proc/pagetypeinfo, /proc/buddyinfo, /proc/vmstat, /proc/pressure/memory and
 * "name = value" sysctl listings.
 *
 * The text may come from another host, another kernel version or a damaged file:
 * every read is bounded by the length given, a line longer than LINE_MAX_LEN or
 * with an unexpected shape is skipped, numbers are checked for overflow, and
 * nothing here fails on content. Formats as printed by mm/vmstat.c (zoneinfo,
 * pagetypeinfo, buddyinfo, vmstat) and kernel/sched/psi.c, v4.x to v6.19.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "ingest-local.h"

#define LINE_MAX_LEN	1024
#define MAX_TOKENS	64
#define MAX_ORDERS	32	/* MAX_PAGE_ORDER is at most 15 on any arch today */

struct line_iter {
	const char	*p;
	const char	*end;
	char		buf[LINE_MAX_LEN];
	char		*tok[MAX_TOKENS];
	int		ntok;
	int		indent;		/* leading blanks of the current line */
};

static void line_init(struct line_iter *it, const char *text, size_t len)
{
	it->p = text;
	it->end = text ? text + len : text;
}

/*
 * Reads the next line into it->buf and splits it at blanks into it->tok.
 * NUL bytes end a token like blanks do. Lines too long are skipped.
 * Return: 1 with a line, 0 at the end of the text.
 */
static int line_next(struct line_iter *it)
{
	while (it->p && it->p < it->end) {
		const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
		size_t n = (size_t)((nl ? nl : it->end) - it->p);
		const char *line = it->p;

		it->p = nl ? nl + 1 : it->end;
		if (n >= sizeof(it->buf))
			continue;
		memcpy(it->buf, line, n);
		it->buf[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (it->buf[i] == '\0' || it->buf[i] == '\t' || it->buf[i] == '\r')
				it->buf[i] = ' ';
		it->indent = (int)strspn(it->buf, " ");
		it->ntok = 0;
		for (char *s = it->buf; *s && it->ntok < MAX_TOKENS; ) {
			s += strspn(s, " ");
			if (!*s)
				break;
			it->tok[it->ntok++] = s;
			s += strcspn(s, " ");
			if (*s)
				*s++ = '\0';
		}
		return 1;
	}
	return 0;
}

/* A non-negative decimal, all of @s (one trailing comma allowed). */
static int parse_count(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!*s)
		return -1;
	for (; *s && *s != ','; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (*s == ',' && s[1])
		return -1;
	*out = v;
	return 0;
}

/* A signed decimal, all of @s. */
static int parse_i64(const char *s, int64_t *out)
{
	int neg = *s == '-';
	int64_t v;

	if (parse_count(s + neg, &v) || strchr(s, ','))
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* Copies a zone or migratetype name, dropping one trailing comma. */
static int copy_name(char dst[MMR_HOST_NAME_MAX], const char *src)
{
	size_t n = strlen(src);

	if (n && src[n - 1] == ',')
		n--;
	if (!n || n >= MMR_HOST_NAME_MAX)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/* "Node N, zone NAME" as the first four tokens. */
static int parse_node_zone(struct line_iter *it, int *node, char zone[MMR_HOST_NAME_MAX])
{
	int64_t v;

	if (it->ntok < 4 || strcmp(it->tok[0], "Node") || strcmp(it->tok[2], "zone"))
		return -1;
	if (parse_count(it->tok[1], &v) || v > 1 << 20)
		return -1;
	*node = (int)v;
	return copy_name(zone, it->tok[3]);
}

/* ------------------------------------------------------------ zoneinfo */

static void zone_reset(struct mmr_host_zone *z)
{
	memset(z, 0, sizeof(*z));
	z->spanned = z->present = z->managed = z->free = -1;
	z->min = z->low = z->high = z->boost = z->start_pfn = -1;
}

int mmr_host_parse_zoneinfo(const char *text, size_t len, const struct mmr_host_parse_ops *ops)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "spanned", offsetof(struct mmr_host_zone, spanned) },
		{ "present", offsetof(struct mmr_host_zone, present) },
		{ "managed", offsetof(struct mmr_host_zone, managed) },
		{ "min", offsetof(struct mmr_host_zone, min) },
		{ "low", offsetof(struct mmr_host_zone, low) },
		{ "high", offsetof(struct mmr_host_zone, high) },
		{ "boost", offsetof(struct mmr_host_zone, boost) },
		{ "start_pfn:", offsetof(struct mmr_host_zone, start_pfn) },
	};
	struct line_iter *it = malloc(sizeof(*it));
	struct mmr_host_zone z;
	int have = 0, last_node = -1, pos = 0, ret = 0;

	if (!it)
		return -ENOMEM;
	zone_reset(&z);
	line_init(it, text, len);
	while (!ret && line_next(it)) {
		int node;
		char name[MMR_HOST_NAME_MAX];
		int64_t v;

		/* exactly "Node N, zone NAME": buddyinfo-like lines are not zone headers */
		if (it->ntok == 4 && !strchr(it->tok[3], ',') && !parse_node_zone(it, &node, name)) {
			if (have && ops->zone)
				ret = ops->zone(&z, ops->arg);
			zone_reset(&z);
			pos = node == last_node ? pos + 1 : 0;
			last_node = node;
			z.node = node;
			z.zone_idx = pos;
			memcpy(z.zone, name, sizeof(name));
			have = 1;
			continue;
		}
		if (!have || (it->ntok != 2 && !(it->ntok == 3 && !strcmp(it->tok[0], "pages"))))
			continue;
		if (it->ntok == 3) {
			/* "pages free N" */
			if (!strcmp(it->tok[1], "free") && !parse_count(it->tok[2], &v))
				z.free = v;
			continue;
		}
		/* the per-node and per-zone counters (nr_*) use other names: no clash */
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			if (strcmp(it->tok[0], keys[i].key))
				continue;
			if (!parse_count(it->tok[1], &v))
				*(int64_t *)((char *)&z + keys[i].off) = v;
			break;
		}
	}
	if (!ret && have && ops->zone)
		ret = ops->zone(&z, ops->arg);
	free(it);
	return ret;
}

/* ------------------------------------------------------- pagetypeinfo */

int mmr_host_parse_pagetypeinfo(const char *text, size_t len,
				const struct mmr_host_parse_ops *ops)
{
	enum { NONE, FREE, BLOCKS } mode = NONE;
	struct line_iter *it = malloc(sizeof(*it));
	char types[MAX_TOKENS][MMR_HOST_NAME_MAX];
	int orders[MAX_ORDERS], nr_orders = 0, nr_types = 0, ret = 0;

	if (!it)
		return -ENOMEM;
	for (int i = 0; i < MAX_ORDERS; i++)
		orders[i] = i;
	line_init(it, text, len);
	while (!ret && line_next(it)) {
		struct mmr_host_free_area fa;
		struct mmr_host_blocks b;
		int64_t v;

		if (it->ntok == 0)
			continue;
		if (it->ntok == 4 && !strcmp(it->tok[0], "Page") && !strcmp(it->tok[1], "block") &&
		    !strcmp(it->tok[2], "order:")) {
			if (!parse_count(it->tok[3], &v) && v < 64 && ops->pair)
				ret = ops->pair("pageblock_order", it->tok[3], ops->arg);
			continue;
		}
		if (it->ntok == 4 && !strcmp(it->tok[0], "Pages") && !strcmp(it->tok[2], "block:")) {
			if (!parse_count(it->tok[3], &v) && ops->pair)
				ret = ops->pair("pages_per_block", it->tok[3], ops->arg);
			continue;
		}
		if (!strcmp(it->tok[0], "Free") && it->ntok >= 8 && !strcmp(it->tok[7], "order")) {
			/* "Free pages count per migrate type at order 0 1 ... 10" */
			mode = FREE;
			nr_orders = 0;
			for (int i = 8; i < it->ntok && nr_orders < MAX_ORDERS; i++) {
				if (parse_count(it->tok[i], &v) || v >= MAX_ORDERS)
					break;
				orders[nr_orders++] = (int)v;
			}
			continue;
		}
		if (!strcmp(it->tok[0], "Number")) {
			/* "Number of blocks type T..."; "Number of mixed blocks" is not ours */
			mode = NONE;
			nr_types = 0;
			if (it->ntok < 4 || strcmp(it->tok[2], "blocks") || strcmp(it->tok[3], "type"))
				continue;
			mode = BLOCKS;
			for (int i = 4; i < it->ntok; i++)
				if (!copy_name(types[nr_types], it->tok[i]))
					nr_types++;
				else
					break;
			continue;
		}
		if (mode == FREE && !parse_node_zone(it, &fa.node, fa.zone)) {
			/* "Node N, zone Z, type T c0 c1 ..." */
			if (it->ntok < 6 || strcmp(it->tok[4], "type") ||
			    copy_name(fa.migratetype, it->tok[5]))
				continue;
			for (int i = 6, o = 0; i < it->ntok && o < nr_orders && !ret; i++, o++) {
				const char *c = it->tok[i];

				/* counting stops at 100000 and prints ">100000" */
				if (*c == '>')
					c++;
				if (parse_count(c, &v))
					break;
				fa.order = orders[o];
				fa.nr_free = v;
				if (ops->free_area)
					ret = ops->free_area(&fa, ops->arg);
			}
			continue;
		}
		if (mode == BLOCKS && !parse_node_zone(it, &b.node, b.zone)) {
			for (int i = 4, t = 0; i < it->ntok && t < nr_types && !ret; i++, t++) {
				if (parse_count(it->tok[i], &v))
					break;
				memcpy(b.migratetype, types[t], sizeof(b.migratetype));
				b.nr_blocks = v;
				if (ops->blocks)
					ret = ops->blocks(&b, ops->arg);
			}
			continue;
		}
	}
	free(it);
	return ret;
}

/* ---------------------------------------------------------- buddyinfo */

int mmr_host_parse_buddyinfo(const char *text, size_t len, const struct mmr_host_parse_ops *ops)
{
	struct line_iter *it = malloc(sizeof(*it));
	struct mmr_host_free_area fa;
	int ret = 0;

	if (!it)
		return -ENOMEM;
	line_init(it, text, len);
	while (!ret && line_next(it)) {
		int64_t v;

		if (parse_node_zone(it, &fa.node, fa.zone))
			continue;
		memcpy(fa.migratetype, "all", 4);
		for (int i = 4; i < it->ntok && i - 4 < MAX_ORDERS && !ret; i++) {
			if (parse_count(it->tok[i], &v))
				break;
			fa.order = i - 4;
			fa.nr_free = v;
			if (ops->free_area)
				ret = ops->free_area(&fa, ops->arg);
		}
	}
	free(it);
	return ret;
}

/* ------------------------------------------------- vmstat and sysctl */

int mmr_host_parse_vmstat(const char *text, size_t len, const struct mmr_host_parse_ops *ops)
{
	struct line_iter *it = malloc(sizeof(*it));
	int ret = 0;

	if (!it)
		return -ENOMEM;
	line_init(it, text, len);
	while (!ret && line_next(it)) {
		int64_t v;

		if (it->ntok != 2 || strlen(it->tok[0]) >= 64 || parse_i64(it->tok[1], &v))
			continue;
		if (ops->pair)
			ret = ops->pair(it->tok[0], it->tok[1], ops->arg);
	}
	free(it);
	return ret;
}

int mmr_host_parse_sysctl(const char *text, size_t len, const struct mmr_host_parse_ops *ops)
{
	struct line_iter *it = malloc(sizeof(*it));
	int ret = 0;

	if (!it)
		return -ENOMEM;
	line_init(it, text, len);
	while (!ret && line_next(it)) {
		char value[LINE_MAX_LEN];
		size_t n = 0;

		if (it->ntok < 2 || strcmp(it->tok[1], "=") || strlen(it->tok[0]) >= 64 ||
		    strchr(it->tok[0], '/'))
			continue;
		/* the value's words joined by one blank (sysctls like lowmem_reserve_ratio) */
		value[0] = '\0';
		for (int i = 2; i < it->ntok; i++) {
			size_t w = strlen(it->tok[i]);

			if (n + w + 2 > sizeof(value))
				break;
			if (n)
				value[n++] = ' ';
			memcpy(value + n, it->tok[i], w + 1);
			n += w;
		}
		if (ops->pair)
			ret = ops->pair(it->tok[0], value, ops->arg);
	}
	free(it);
	return ret;
}

/* ---------------------------------------------------------------- PSI */

/* "avg10=0.18" -> 0.18; -1 if it is not that key or not a finite percentage. */
static double psi_avg(const char *tok, const char *key)
{
	size_t k = strlen(key);
	char *end;
	double v;

	if (strncmp(tok, key, k) || tok[k] != '=')
		return -1;
	errno = 0;
	v = strtod(tok + k + 1, &end);
	if (errno || *end || end == tok + k + 1 || !(v >= 0 && v <= 100))
		return -1;
	return v;
}

int mmr_host_parse_psi(const char *text, size_t len, struct mmr_host_psi *out)
{
	struct line_iter *it = malloc(sizeof(*it));
	int got = 0;

	if (!it)
		return -ENOMEM;
	out->some_avg10 = out->some_avg60 = out->some_avg300 = -1;
	out->full_avg10 = out->full_avg60 = out->full_avg300 = -1;
	out->some_total = out->full_total = -1;
	line_init(it, text, len);
	while (line_next(it)) {
		double *a10, *a60, *a300;
		int64_t *total, v;

		if (it->ntok != 5)
			continue;
		if (!strcmp(it->tok[0], "some")) {
			a10 = &out->some_avg10;
			a60 = &out->some_avg60;
			a300 = &out->some_avg300;
			total = &out->some_total;
		} else if (!strcmp(it->tok[0], "full")) {
			a10 = &out->full_avg10;
			a60 = &out->full_avg60;
			a300 = &out->full_avg300;
			total = &out->full_total;
		} else {
			continue;
		}
		if (strncmp(it->tok[4], "total=", 6) || parse_count(it->tok[4] + 6, &v))
			continue;
		*a10 = psi_avg(it->tok[1], "avg10");
		*a60 = psi_avg(it->tok[2], "avg60");
		*a300 = psi_avg(it->tok[3], "avg300");
		*total = v;
		got = 1;
	}
	free(it);
	return got ? 0 : -MMR_E_FORMAT;
}
