/*
 * ingest/ingest-decode.c - turning a raw tracepoint record into struct mmr_event.
 *
 * The layout of every event is looked up once per event id in the source's own
 * format (libtraceevent): catalog fields are matched by the kernel's field name,
 * so a kernel that adds, drops or moves a field still decodes (absent fields are
 * stored NULL, unknown ones go to the row's `extra` JSON). Every read is bounded
 * by the record size: records come from other hosts' files and may be corrupt.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ingest-local.h"

#define MAX_EVENT_ID 65536	/* common_type is 16 bits */

int pid_set_add(struct pid_set *s, int pid)
{
	if (pid == 0) {
		s->has_zero = 1;
		return 0;
	}
	if (s->nr * 2 >= s->cap) {
		unsigned int cap = s->cap ? s->cap * 2 : 256;
		int *slot = calloc(cap, sizeof(*slot));

		if (!slot)
			return -ENOMEM;
		for (unsigned int i = 0; i < s->cap; i++) {
			int p = s->slot[i];
			unsigned int h;

			if (!p)
				continue;
			for (h = (unsigned int)p * 2654435761u & (cap - 1); slot[h];
			     h = (h + 1) & (cap - 1))
				;
			slot[h] = p;
		}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	unsigned int h = (unsigned int)pid * 2654435761u & (s->cap - 1);
	for (; s->slot[h]; h = (h + 1) & (s->cap - 1))
		if (s->slot[h] == pid)
			return 0;
	s->slot[h] = pid;
	s->nr++;
	return 0;
}

void pid_set_release(struct pid_set *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

int decoder_init(struct ingest_decoder *d, struct tep_handle *tep)
{
	struct tep_event *any;

	memset(d, 0, sizeof(*d));
	d->tep = tep;
	d->nr_ids = MAX_EVENT_ID;
	d->by_id = calloc(d->nr_ids, sizeof(*d->by_id));
	if (!d->by_id)
		return -ENOMEM;
	sb_init(&d->json);
	any = tep_get_first_event(tep);
	if (any)
		d->common_pid = tep_find_common_field(any, "common_pid");
	return 0;
}

static void decode_type_free(struct decode_type *t)
{
	if (!t)
		return;
	free(t->extras);
	free(t);
}

void decoder_release(struct ingest_decoder *d)
{
	if (d->by_id) {
		for (unsigned int i = 0; i < d->nr_ids; i++)
			decode_type_free(d->by_id[i]);
		free(d->by_id);
	}
	sb_release(&d->json);
	pid_set_release(&d->pids);
	memset(d, 0, sizeof(*d));
}

/* Builds the decoding plan of one event id. */
static struct decode_type *decode_type_new(struct tep_event *event)
{
	struct decode_type *t = calloc(1, sizeof(*t));
	const struct mmr_event_desc *desc;
	struct tep_format_field *f;

	if (!t)
		return NULL;
	t->event = event;
	t->type = mmr_event_lookup(event->system, event->name);
	desc = mmr_event_desc(t->type);
	if (!desc)
		return t;
	for (unsigned int i = 0; i < desc->nr_fields; i++) {
		t->field[i] = tep_find_field(event, desc->kfields[i]);
		if (!t->field[i])
			t->missing |= 1u << i;
	}
	for (f = event->format.fields; f; f = f->next) {
		if (mmr_event_field(t->type, f->name) >= 0)
			continue;
		struct tep_format_field **n = realloc(t->extras,
			(size_t)(t->nr_extras + 1) * sizeof(*n));
		if (!n) {
			decode_type_free(t);
			return NULL;
		}
		t->extras = n;
		t->extras[t->nr_extras++] = f;
	}
	return t;
}

/* Reads an integer field, sign-extending signed ones; 0 with *ok = 0 when out of bounds. */
static int64_t read_int(struct tep_handle *tep, const struct tep_record *rec,
			const struct tep_format_field *f, int *ok)
{
	unsigned long long v;
	int size = f->size;

	if (f->offset < 0 || size <= 0 || size > 8 || f->offset + size > rec->size ||
	    (size & (size - 1))) {
		*ok = 0;
		return 0;
	}
	v = tep_read_number(tep, (const char *)rec->data + f->offset, size);
	if ((f->flags & TEP_FIELD_IS_SIGNED) && size < 8) {
		unsigned int shift = 64 - 8 * (unsigned int)size;
		return (int64_t)(v << shift) >> shift;
	}
	return (int64_t)v;
}

/*
 * Locates the bytes of a string field: a fixed char array or a __data_loc
 * (dynamic) string. Return: 0 and the pointer/length, or -1 when out of bounds.
 */
static int string_bytes(struct tep_handle *tep, const struct tep_record *rec,
			const struct tep_format_field *f, const char **p, size_t *len)
{
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		int ok = 1;
		struct tep_format_field loc = *f;
		unsigned int v, off, n;

		loc.flags &= ~(unsigned long)TEP_FIELD_IS_SIGNED;
		v = (unsigned int)read_int(tep, rec, &loc, &ok);
		if (!ok)
			return -1;
		off = v & 0xffff;
		n = v >> 16;
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += (unsigned int)(f->offset + f->size);
		if ((long)off + (long)n > rec->size)
			return -1;
		*p = (const char *)rec->data + off;
		*len = n;
		return 0;
	}
	if (f->offset < 0 || f->size < 0 || f->offset + f->size > rec->size)
		return -1;
	*p = (const char *)rec->data + f->offset;
	*len = (size_t)f->size;
	return 0;
}

static int is_string_field(const struct tep_format_field *f)
{
	if (f->flags & TEP_FIELD_IS_STRING)
		return 1;
	return (f->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_DYNAMIC)) && f->type &&
	       strstr(f->type, "char") && f->elementsize <= 1;
}

/* Appends `"name":value` for one field to the JSON buffer. */
static void json_field(struct ingest_decoder *d, const struct tep_record *rec,
		       const struct tep_format_field *f)
{
	struct strbuf *sb = &d->json;

	if (sb->len > 1)
		sb_adds(sb, ",");
	sb_add_json_str(sb, f->name, strlen(f->name));
	sb_adds(sb, ":");
	if (is_string_field(f)) {
		const char *p;
		size_t n;

		if (string_bytes(d->tep, rec, f, &p, &n))
			sb_adds(sb, "null");
		else
			sb_add_json_str(sb, p, strnlen(p, n));
	} else if (f->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_DYNAMIC)) {
		const char *p;
		size_t n;
		unsigned int es = f->elementsize ? f->elementsize : 1;

		if (string_bytes(d->tep, rec, f, &p, &n) || (es != 1 && es != 2 && es != 4 &&
							     es != 8)) {
			sb_adds(sb, "null");
			return;
		}
		sb_adds(sb, "[");
		for (size_t i = 0; i + es <= n; i += es)
			sb_addf(sb, "%s%lld", i ? "," : "",
				(long long)tep_read_number(d->tep, p + i, (int)es));
		sb_adds(sb, "]");
	} else {
		int ok = 1;
		int64_t v = read_int(d->tep, rec, f, &ok);

		/*
		 * Like the typed columns, values are int64: an unsigned 64-bit value past
		 * INT64_MAX (a kernel pointer) is written as its two's-complement, so
		 * SQLite reads it back exactly instead of as a rounded real.
		 */
		if (!ok)
			sb_adds(sb, "null");
		else
			sb_addf(sb, "%lld", (long long)v);
	}
}

int decoder_decode(struct ingest_decoder *d, struct tep_record *rec, struct mmr_event *ev)
{
	struct decode_type *t;
	int id, ok = 1;

	if (!rec->data || rec->size < 4)
		goto bad;
	id = tep_data_type(d->tep, rec);
	if (id < 0 || (unsigned int)id >= d->nr_ids)
		goto bad;
	t = d->by_id[id];
	if (!t) {
		struct tep_event *event = tep_find_event(d->tep, id);

		if (!event)
			goto bad;
		t = decode_type_new(event);
		if (!t)
			return -ENOMEM;
		d->by_id[id] = t;
	}

	ev->ts = rec->ts;
	ev->cpu = rec->cpu;
	ev->pid = d->common_pid ? (int32_t)read_int(d->tep, rec, d->common_pid, &ok) : -1;
	if (!ok)
		goto bad;
	if (pid_set_add(&d->pids, ev->pid))
		return -ENOMEM;
	ev->type = t->type;
	ev->missing = t->missing;
	ev->str = NULL;
	ev->extra = NULL;
	ev->system = t->event->system;
	ev->name = t->event->name;
	ev->json = NULL;

	if (t->type == MMR_EV_GENERIC) {
		sb_reset(&d->json);
		sb_adds(&d->json, "{");
		for (struct tep_format_field *f = t->event->format.fields; f; f = f->next)
			json_field(d, rec, f);
		sb_adds(&d->json, "}");
		if (sb_failed(&d->json))
			return -ENOMEM;
		ev->json = sb_str(&d->json);
		return 0;
	}

	const struct mmr_event_desc *desc = mmr_event_desc(t->type);
	for (unsigned int i = 0; i < desc->nr_fields; i++) {
		const struct tep_format_field *f = t->field[i];

		if (!f)
			continue;
		if ((int)i == desc->str_field) {
			const char *p;
			size_t n;

			if (string_bytes(d->tep, rec, f, &p, &n)) {
				ev->missing |= 1u << i;
				continue;
			}
			n = strnlen(p, n);
			if (n >= sizeof(d->str))
				n = sizeof(d->str) - 1;
			memcpy(d->str, p, n);
			d->str[n] = '\0';
			ev->str = d->str;
			continue;
		}
		ok = 1;
		ev->val[i] = read_int(d->tep, rec, f, &ok);
		if (!ok)
			ev->missing |= 1u << i;
	}
	if (t->nr_extras) {
		sb_reset(&d->json);
		sb_adds(&d->json, "{");
		for (int i = 0; i < t->nr_extras; i++)
			json_field(d, rec, t->extras[i]);
		sb_adds(&d->json, "}");
		if (sb_failed(&d->json))
			return -ENOMEM;
		ev->extra = sb_str(&d->json);
	}
	return 0;
bad:
	d->nr_bad++;
	return 1;
}

/* ------------------------------------------------------------ gfp flag names */

static struct tep_print_arg *find_flags_arg(struct tep_print_arg *arg, const char *field)
{
	struct tep_print_arg *r;

	for (; arg; arg = arg->next) {
		switch (arg->type) {
		case TEP_PRINT_FLAGS:
			if (arg->flags.field && arg->flags.field->type == TEP_PRINT_FIELD &&
			    arg->flags.field->field.name &&
			    !strcmp(arg->flags.field->field.name, field))
				return arg;
			break;
		case TEP_PRINT_OP:
			r = find_flags_arg(arg->op.left, field);
			if (!r)
				r = find_flags_arg(arg->op.right, field);
			if (r)
				return r;
			break;
		case TEP_PRINT_TYPE:
			r = find_flags_arg(arg->typecast.item, field);
			if (r)
				return r;
			break;
		default:
			break;
		}
	}
	return NULL;
}

int decoder_save_gfp_flags(struct ingest_decoder *d, struct mmr_store *st, int64_t run_id)
{
	static const char *const sources[][3] = {
		{ "kmem", "mm_page_alloc", "gfp_flags" },
		{ "vmscan", "mm_vmscan_direct_reclaim_begin", "gfp_flags" },
		{ "compaction", "mm_compaction_try_to_compact_pages", "gfp_mask" },
		{ "kmem", "kmalloc", "gfp_flags" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
		struct tep_event *e = tep_find_event_by_name(d->tep, sources[i][0],
							     sources[i][1]);
		struct tep_print_arg *flags;
		int err;

		if (!e)
			continue;
		flags = find_flags_arg(e->print_fmt.args, sources[i][2]);
		if (!flags)
			continue;
		for (struct tep_print_flag_sym *s = flags->flags.flags; s; s = s->next) {
			char *end;
			unsigned long long mask;

			if (!s->value || !s->str)
				continue;
			errno = 0;
			mask = strtoull(s->value, &end, 0);
			if (errno || *end || !mask)
				continue;
			err = mmr_store_gfp_flag(st, run_id, mask, s->str);
			if (err)
				return err;
		}
		return 0;
	}
	mmr_debug("no print format with gfp flag names in this source");
	return 0;
}

int decoder_save_tasks(struct ingest_decoder *d, struct mmr_store *st, int64_t run_id)
{
	int err;

	if (d->pids.has_zero) {
		err = mmr_store_task(st, run_id, 0, "<idle>");
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < d->pids.cap; i++) {
		int pid = d->pids.slot[i];
		const char *comm;

		if (!pid)
			continue;
		comm = tep_data_comm_from_pid(d->tep, pid);
		if (!comm || !strcmp(comm, "<...>"))
			comm = NULL;
		err = mmr_store_task(st, run_id, pid, comm);
		if (err)
			return err;
	}
	return 0;
}
