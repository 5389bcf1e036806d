/*
 * report/report-table.c - printing result sets as an aligned table, CSV or JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core-local.h"

#define TABLE_HOLD_ROWS 5000	/* rows held to size the columns of a text table */

struct mmr_table {
	FILE		*out;
	enum mmr_format	fmt;
	int		ncols;
	char		**names;
	size_t		*width;
	char		**held;		/* TABLE: rendered cells, row-major */
	size_t		nr_held;
	size_t		cap_held;
	int		*numeric;	/* TABLE: right-align columns that hold numbers */
	int		streaming;	/* TABLE: widths fixed, rows printed directly */
	uint64_t	nr_rows;
	int		finished;
	int		error;
};

int mmr_format_parse(const char *name, enum mmr_format *out)
{
	if (!strcmp(name, "table"))
		*out = MMR_FMT_TABLE;
	else if (!strcmp(name, "csv"))
		*out = MMR_FMT_CSV;
	else if (!strcmp(name, "json"))
		*out = MMR_FMT_JSON;
	else
		return -MMR_E_INVAL;
	return 0;
}

int mmr_table_new(FILE *out, enum mmr_format fmt, struct mmr_table **table)
{
	struct mmr_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->out = out;
	t->fmt = fmt;
	*table = t;
	return 0;
}

void mmr_table_free(struct mmr_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->ncols; i++)
		free(t->names[i]);
	for (size_t i = 0; i < t->nr_held * (size_t)t->ncols; i++)
		free(t->held[i]);
	free(t->held);
	free(t->names);
	free(t->width);
	free(t->numeric);
	free(t);
}

/* Renders one value as text; REAL with up to 6 significant decimals. */
static void render(struct strbuf *sb, const struct mmr_value *v)
{
	switch (v->type) {
	case MMR_VAL_INT:
		sb_addf(sb, "%" PRId64, v->i);
		break;
	case MMR_VAL_REAL:
		if (isfinite(v->d) && v->d == (double)(int64_t)v->d && fabs(v->d) < 1e15)
			sb_addf(sb, "%.1f", v->d);
		else
			sb_addf(sb, "%.6g", v->d);
		break;
	case MMR_VAL_TEXT:
		sb_addn(sb, v->s, v->len);
		break;
	case MMR_VAL_BLOB:
		for (size_t i = 0; i < v->len; i++)
			sb_addf(sb, "%02x", (unsigned char)v->s[i]);
		break;
	default:
		break;
	}
}

static void print_csv_cell(FILE *out, const char *s, int quote_always)
{
	if (quote_always || strpbrk(s, ",\"\n\r")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
}

int mmr_table_columns(struct mmr_table *t, int ncols, const char *const *names)
{
	t->ncols = ncols;
	t->names = calloc((size_t)ncols + 1, sizeof(*t->names));
	t->width = calloc((size_t)ncols + 1, sizeof(*t->width));
	t->numeric = calloc((size_t)ncols + 1, sizeof(*t->numeric));
	if (!t->names || !t->width || !t->numeric)
		return -ENOMEM;
	for (int i = 0; i < ncols; i++) {
		t->names[i] = strdup(names[i] ? names[i] : "");
		if (!t->names[i])
			return -ENOMEM;
		t->width[i] = strlen(t->names[i]);
		t->numeric[i] = -1;	/* unknown until a non-NULL value arrives */
	}
	if (t->fmt == MMR_FMT_CSV) {
		for (int i = 0; i < ncols; i++) {
			if (i)
				fputc(',', t->out);
			print_csv_cell(t->out, t->names[i], 0);
		}
		fputc('\n', t->out);
	} else if (t->fmt == MMR_FMT_JSON) {
		fputc('[', t->out);
	}
	return 0;
}

static void print_text_row(struct mmr_table *t, char *const *cells)
{
	for (int i = 0; i < t->ncols; i++) {
		const char *s = cells[i] ? cells[i] : "";
		int w = (int)t->width[i];

		if (i)
			fputs("  ", t->out);
		if (t->numeric[i] == 1)
			fprintf(t->out, "%*s", w, s);
		else if (i == t->ncols - 1)
			fputs(s, t->out);	/* no trailing blanks */
		else
			fprintf(t->out, "%-*s", w, s);
	}
	fputc('\n', t->out);
}

static void print_text_header(struct mmr_table *t)
{
	print_text_row(t, t->names);
	for (int i = 0; i < t->ncols; i++) {
		if (i)
			fputs("  ", t->out);
		for (size_t k = 0; k < t->width[i]; k++)
			fputc('-', t->out);
	}
	fputc('\n', t->out);
}

static void flush_held(struct mmr_table *t)
{
	print_text_header(t);
	for (size_t r = 0; r < t->nr_held; r++) {
		char **cells = &t->held[r * (size_t)t->ncols];

		print_text_row(t, cells);
		for (int i = 0; i < t->ncols; i++) {
			free(cells[i]);
			cells[i] = NULL;
		}
	}
	t->nr_held = 0;
	t->streaming = 1;
}

int mmr_table_row(struct mmr_table *t, const struct mmr_value *vals)
{
	struct strbuf sb;

	if (t->finished)
		return -MMR_E_INVAL;
	sb_init(&sb);
	t->nr_rows++;
	if (t->fmt == MMR_FMT_JSON) {
		fputs(t->nr_rows > 1 ? ",\n{" : "\n{", t->out);
		for (int i = 0; i < t->ncols; i++) {
			sb_reset(&sb);
			sb_add_json_str(&sb, t->names[i], strlen(t->names[i]));
			sb_adds(&sb, ":");
			if (vals[i].type == MMR_VAL_NULL) {
				sb_adds(&sb, "null");
			} else if (vals[i].type == MMR_VAL_TEXT || vals[i].type == MMR_VAL_BLOB) {
				struct strbuf cell;
				sb_init(&cell);
				render(&cell, &vals[i]);
				sb_add_json_str(&sb, sb_str(&cell), cell.len);
				sb_release(&cell);
			} else if (vals[i].type == MMR_VAL_REAL && !isfinite(vals[i].d)) {
				sb_adds(&sb, "null");
			} else {
				render(&sb, &vals[i]);
			}
			fprintf(t->out, "%s%s", i ? "," : "", sb_str(&sb));
		}
		fputc('}', t->out);
	} else if (t->fmt == MMR_FMT_CSV) {
		for (int i = 0; i < t->ncols; i++) {
			sb_reset(&sb);
			render(&sb, &vals[i]);
			if (i)
				fputc(',', t->out);
			print_csv_cell(t->out, sb_str(&sb), 0);
		}
		fputc('\n', t->out);
	} else {
		char **cells;

		if (t->nr_held == t->cap_held && !t->streaming) {
			size_t cap = t->cap_held ? t->cap_held * 2 : 64;
			char **n = realloc(t->held, cap * (size_t)t->ncols * sizeof(*n));

			if (!n) {
				sb_release(&sb);
				return -ENOMEM;
			}
			t->held = n;
			t->cap_held = cap;
		}
		char *row[t->ncols > 0 ? t->ncols : 1];
		cells = t->streaming ? row : &t->held[t->nr_held * (size_t)t->ncols];
		for (int i = 0; i < t->ncols; i++) {
			sb_reset(&sb);
			render(&sb, &vals[i]);
			for (char *p = sb.buf; p && *p; p++)
				if (*p == '\n' || *p == '\t')
					*p = ' ';
			cells[i] = strdup(sb_str(&sb));
			if (!t->streaming) {
				size_t len = strlen(cells[i]);
				if (len > t->width[i])
					t->width[i] = len;
				if (vals[i].type == MMR_VAL_INT || vals[i].type == MMR_VAL_REAL) {
					if (t->numeric[i] == -1)
						t->numeric[i] = 1;
				} else if (vals[i].type != MMR_VAL_NULL) {
					t->numeric[i] = 0;
				}
			}
		}
		if (t->streaming) {
			print_text_row(t, cells);
			for (int i = 0; i < t->ncols; i++)
				free(cells[i]);
		} else if (++t->nr_held >= TABLE_HOLD_ROWS) {
			flush_held(t);
		}
	}
	sb_release(&sb);
	if (ferror(t->out))
		return -EIO;
	return 0;
}

int mmr_table_finish(struct mmr_table *t)
{
	if (t->finished)
		return 0;
	t->finished = 1;
	if (t->fmt == MMR_FMT_JSON)
		fputs(t->nr_rows ? "\n]\n" : "]\n", t->out);
	else if (t->fmt == MMR_FMT_TABLE && !t->streaming)
		flush_held(t);
	if (fflush(t->out) || ferror(t->out))
		return -EIO;
	return 0;
}

int mmr_table_row_fn(void *table, int ncols, const char *const *names,
		     const struct mmr_value *vals)
{
	struct mmr_table *t = table;

	if (!vals)
		return mmr_table_columns(t, ncols, names);
	return mmr_table_row(t, vals);
}
