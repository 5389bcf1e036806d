/*
 * ingest/ingest-tracedat-check.c - a bounds check of a version 6 trace.dat before
 * libtracecmd opens it.
 *
 * Why: libtracecmd 1.3 trusts the CPU data offsets of a v6 file. When a file is
 * truncated inside its data (a copy cut short, a full disk on the recording host),
 * opening an instance buffer takes an error path that crashes inside the library.
 * We walk the v6 header (trace-cmd.dat.v6(5)) only far enough to find every
 * flyrecord block (the top-level one and one per BUFFER option) and check that all
 * CPU data lies inside the file. Version 7 files carry section sizes and
 * libtracecmd already refuses damaged ones cleanly, so they are not walked here.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ingest-local.h"

#define OPTION_BUFFER 3

struct v6_reader {
	int		fd;
	uint64_t	size;	/* file size */
	uint64_t	pos;
	int		big_endian;
	int		bad;	/* latched: a read went past the end */
};

static void v6_read(struct v6_reader *r, void *buf, uint64_t n)
{
	if (r->bad || n > r->size || r->pos > r->size - n ||
	    pread(r->fd, buf, n, (off_t)r->pos) != (ssize_t)n) {
		r->bad = 1;
		memset(buf, 0, n);
		return;
	}
	r->pos += n;
}

static void v6_skip(struct v6_reader *r, uint64_t n)
{
	if (r->bad || n > r->size || r->pos > r->size - n)
		r->bad = 1;
	else
		r->pos += n;
}

static uint64_t v6_u64(struct v6_reader *r)
{
	uint64_t v;

	v6_read(r, &v, sizeof(v));
	return r->big_endian ? be64toh(v) : le64toh(v);
}

static uint32_t v6_u32(struct v6_reader *r)
{
	uint32_t v;

	v6_read(r, &v, sizeof(v));
	return r->big_endian ? be32toh(v) : le32toh(v);
}

static uint16_t v6_u16(struct v6_reader *r)
{
	uint16_t v;

	v6_read(r, &v, sizeof(v));
	return r->big_endian ? be16toh(v) : le16toh(v);
}

/* Skips a NUL-terminated string of at most 4 KiB. */
static void v6_skip_string(struct v6_reader *r)
{
	char c = 1;

	for (int i = 0; c && i < 4096 && !r->bad; i++)
		v6_read(r, &c, 1);
	if (c)
		r->bad = 1;
}

static int v6_expect(struct v6_reader *r, const char *tag, size_t len)
{
	char buf[16];

	if (len > sizeof(buf))
		return 0;
	v6_read(r, buf, len);
	return !r->bad && !memcmp(buf, tag, len);
}

/* Checks "flyrecord\0" at the current position and the CPU ranges after it. */
static int v6_check_flyrecord(struct v6_reader *r, uint32_t cpus)
{
	if (!v6_expect(r, "flyrecord", 10))
		return -1;
	for (uint32_t c = 0; c < cpus; c++) {
		uint64_t off = v6_u64(r), len = v6_u64(r);

		if (r->bad || off > r->size || len > r->size - off)
			return -1;
	}
	return 0;
}

int tracedat_check_v6(const char *path)
{
	struct v6_reader r = { .fd = -1 };
	uint64_t buffers[64];
	int nr_buffers = 0, err = -MMR_E_FORMAT, logged = 0;
	struct stat sb;
	uint32_t cpus, n;
	uint8_t b;
	char tag[10];

	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0)
		return -errno;
	if (fstat(r.fd, &sb)) {
		err = -errno;
		goto out;
	}
	r.size = (uint64_t)sb.st_size;

	v6_skip(&r, 10);		/* magic + "tracing" */
	v6_skip_string(&r);		/* "6" */
	v6_read(&r, &b, 1);
	r.big_endian = b == 1;
	v6_skip(&r, 1 + 4);		/* long size, page size */
	if (!v6_expect(&r, "header_page", 12))
		goto out;
	v6_skip(&r, v6_u64(&r));
	if (!v6_expect(&r, "header_event", 13))
		goto out;
	v6_skip(&r, v6_u64(&r));
	n = v6_u32(&r);			/* ftrace event formats */
	for (uint32_t i = 0; i < n && !r.bad; i++)
		v6_skip(&r, v6_u64(&r));
	n = v6_u32(&r);			/* event systems */
	for (uint32_t i = 0; i < n && !r.bad; i++) {
		v6_skip_string(&r);
		uint32_t events = v6_u32(&r);
		for (uint32_t k = 0; k < events && !r.bad; k++)
			v6_skip(&r, v6_u64(&r));
	}
	v6_skip(&r, v6_u32(&r));	/* kallsyms */
	v6_skip(&r, v6_u32(&r));	/* printk formats */
	v6_skip(&r, v6_u64(&r));	/* saved command lines */
	cpus = v6_u32(&r);
	if (r.bad || cpus > 65536)
		goto out;

	v6_read(&r, tag, sizeof(tag));
	if (!r.bad && !memcmp(tag, "options  ", 10)) {
		for (;;) {
			uint16_t id = v6_u16(&r);
			uint32_t size;

			if (r.bad || id == 0)
				break;
			size = v6_u32(&r);
			if (id == OPTION_BUFFER && size >= 8 &&
			    nr_buffers < (int)ARRAY_SIZE(buffers)) {
				uint64_t start = r.pos;

				buffers[nr_buffers++] = v6_u64(&r);
				r.pos = start;
			}
			v6_skip(&r, size);
		}
		v6_read(&r, tag, sizeof(tag));
	}
	if (r.bad)
		goto out;
	if (!memcmp(tag, "latency  ", 10)) {
		mmr_err("'%s' is a latency-tracer file; only flyrecord traces hold events", path);
		logged = 1;
		goto out;
	}
	r.pos -= sizeof(tag);
	if (v6_check_flyrecord(&r, cpus))
		goto truncated;
	for (int i = 0; i < nr_buffers; i++) {
		r.pos = buffers[i];
		if (v6_check_flyrecord(&r, cpus))
			goto truncated;
	}
	err = 0;
	goto out;
truncated:
	mmr_err("'%s' is truncated: its CPU data extends past the end of the file", path);
	logged = 1;
out:
	if (err == -MMR_E_FORMAT && !logged)
		mmr_err("'%s' is truncated or damaged (trace.dat v6 header)", path);
	close(r.fd);
	return err;
}
