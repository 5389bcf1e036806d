/*
 * ingest/ingest-local.h - decoding raw tracepoint records into struct mmr_event,
 * shared by the trace.dat reader and the live tracefs recorder. Event layouts come
 * from the source's own format files through libtraceevent, never from offsets
 * compiled in here.
 */
#ifndef MMR_INGEST_LOCAL_H
#define MMR_INGEST_LOCAL_H

#include <time.h>
#include <event-parse.h>
#include "core-local.h"

/* How one event id of one source decodes. */
struct decode_type {
	enum mmr_event_type	type;
	struct tep_event	*event;
	struct tep_format_field	*field[MMR_EVENT_MAX_FIELDS];	/* NULL: absent here */
	uint32_t		missing;
	struct tep_format_field	**extras;	/* typed events: fields the catalog lacks */
	int			nr_extras;
};

struct pid_set {
	int		*slot;		/* open addressing, 0 = empty (pid 0 tracked apart) */
	unsigned int	cap;
	unsigned int	nr;
	int		has_zero;
};

struct ingest_decoder {
	struct tep_handle	*tep;
	struct decode_type	**by_id;	/* indexed by event id, filled on first sight */
	unsigned int		nr_ids;
	struct tep_format_field	*common_pid;
	struct strbuf		json;		/* generic fields / extras of the current event */
	char			str[256];	/* string field of the current event */
	struct pid_set		pids;		/* every pid seen, for the tasks table */
	uint64_t		nr_bad;		/* records that failed to decode */
};

/* CLOCK_MONOTONIC in ns: the recorders' clock for samples, commits and status. */
static inline uint64_t ingest_mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

int decoder_init(struct ingest_decoder *d, struct tep_handle *tep);
void decoder_release(struct ingest_decoder *d);
/*
 * Fills @ev from @rec (cpu, ts and data). Pointers in @ev borrow the decoder's
 * buffers until the next call. Return: 0, 1 if the record is not a tracepoint
 * event we can decode (skip it), or a negative error.
 */
int decoder_decode(struct ingest_decoder *d, struct tep_record *rec, struct mmr_event *ev);

/* Writes the gfp flag names of the source's print formats into @run_id. */
int decoder_save_gfp_flags(struct ingest_decoder *d, struct mmr_store *st, int64_t run_id);
/* Writes pid->comm for every pid seen. */
int decoder_save_tasks(struct ingest_decoder *d, struct mmr_store *st, int64_t run_id);

/* Bounds-checks the layout of a version 6 trace.dat (see ingest-tracedat-check.c). */
int tracedat_check_v6(const char *path);

int pid_set_add(struct pid_set *s, int pid);
void pid_set_release(struct pid_set *s);

/* ------------------------------------------------- reader process <-> importer */

enum { MSG_EVENT = 1, MSG_LOG, MSG_U64, MSG_END };
#define WIRE_MAX_MSG (1u << 20)

struct wire_out {
	int	fd;
	int	failed;
	size_t	len;
	char	buf[256 * 1024];
};

struct wire_msg {
	int			kind;
	struct mmr_event	ev;		/* MSG_EVENT; strings borrowed until the next call */
	int			level;		/* MSG_LOG */
	char			text[2048];
	int			key;		/* MSG_U64 */
	int			nval;
	uint64_t		u64[8];
};

struct wire_in {
	int		fd;
	char		*buf;
	size_t		cap, len, pos;
	struct strbuf	scratch;
};

void wire_out_init(struct wire_out *w, int fd);
int wire_put_event(struct wire_out *w, const struct mmr_event *ev);
int wire_put_log(struct wire_out *w, int level, const char *msg);
int wire_put_u64(struct wire_out *w, int key, const uint64_t *v, int nv);
int wire_put_end(struct wire_out *w);
int wire_flush(struct wire_out *w);
int wire_in_init(struct wire_in *r, int fd);
void wire_in_release(struct wire_in *r);
/* Return: 1 with a message in @m, 0 at a clean end of input, or a negative error. */
int wire_next(struct wire_in *r, struct wire_msg *m);

#endif
