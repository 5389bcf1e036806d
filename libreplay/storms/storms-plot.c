/*
 * storms/storms-plot.c - the timeline of one or more runs as a self-contained SVG:
 * one lane per run, a panel per measure, storms shaded, time in seconds from each
 * run's start on a shared axis. Long runs are reduced to one column per pixel,
 * keeping each column's peak so short spikes stay visible.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "storms-local.h"

#define PLOT_W		1200
#define PLOT_LEFT	150	/* panel labels */
#define PLOT_RIGHT	30
#define PLOT_TOP	56	/* title and legend */
#define PLOT_BOTTOM	12
#define LANE_TITLE	26
#define PANEL_H		60
#define PANEL_GAP	12
#define LANE_AXIS	30	/* tick labels under a lane */
#define LANE_GAP	18
#define NR_PANELS	5	/* without PSI */

enum { S_DR_LOAD, S_C_LOAD, S_DR_RATE, S_PAGES_RATE, S_CS_OK, S_CS_FAIL, S_FRAG_RATE,
       S_PSI_SOME, S_PSI_FULL, NR_SERIES };

struct lane {
	int64_t		run_id;
	char		label[160];
	uint64_t	start_ts, end_ts, bucket_ns;
	size_t		nr;		/* buckets */
	double		*v[NR_SERIES];	/* per bucket */
	bool		has_psi;
	size_t		nr_storms;
	uint64_t	(*storms)[2];	/* start, end ns from the run's start */
	double		stall_pct;
};

void mmr_plot_size(size_t nr_runs, size_t nr_psi, unsigned int *width, unsigned int *height)
{
	*width = PLOT_W;
	*height = (unsigned int)(PLOT_TOP + PLOT_BOTTOM +
		  nr_runs * (LANE_TITLE + NR_PANELS * (PANEL_H + PANEL_GAP) + LANE_AXIS + LANE_GAP) +
		  nr_psi * (PANEL_H + PANEL_GAP));
}

static void lane_release(struct lane *l)
{
	for (int i = 0; i < NR_SERIES; i++)
		free(l->v[i]);
	free(l->storms);
}

static int lane_load(struct mmr_store *st, struct lane *l, const struct mmr_storm_opts *o)
{
	struct mmr_stmt *q;
	double bs;
	int err, rc;
	size_t i = 0;

	err = mmr_stmt_prepare(st, "SELECT start_ts, end_ts, bucket_ns, stall_pct, "
			       "(SELECT count(*) FROM storm_timeline t WHERE t.run_id = ?1) "
			       "FROM storm_runs WHERE run_id = ?1", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, l->run_id);
	rc = mmr_stmt_step(q);
	if (rc == 1) {
		l->start_ts = (uint64_t)mmr_stmt_int(q, 0);
		l->end_ts = (uint64_t)mmr_stmt_int(q, 1);
		l->bucket_ns = (uint64_t)mmr_stmt_int(q, 2);
		l->stall_pct = mmr_stmt_is_null(q, 3) ? o->stall_pct : mmr_stmt_double(q, 3);
		l->nr = (size_t)mmr_stmt_int(q, 4);
	}
	mmr_stmt_free(q);
	if (rc <= 0)
		return rc < 0 ? rc : -MMR_E_NO_DATA;
	for (int s = 0; s < NR_SERIES; s++) {
		l->v[s] = calloc(l->nr + 1, sizeof(double));
		if (!l->v[s])
			return -ENOMEM;
	}
	err = mmr_stmt_prepare(st, "SELECT dr_stall_ns, compact_stall_ns, dr_entries, dr_pages, "
			       "compact_success, compact_stalls - compact_success, fragmenting, "
			       "psi_some, psi_full FROM storm_timeline WHERE run_id = ?1 "
			       "ORDER BY bucket", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, l->run_id);
	bs = (double)l->bucket_ns / 1e9;
	while ((rc = mmr_stmt_step(q)) == 1 && i < l->nr) {
		l->v[S_DR_LOAD][i] = 100.0 * (double)mmr_stmt_int(q, 0) / (double)l->bucket_ns;
		l->v[S_C_LOAD][i] = 100.0 * (double)mmr_stmt_int(q, 1) / (double)l->bucket_ns;
		l->v[S_DR_RATE][i] = (double)mmr_stmt_int(q, 2) / bs;
		l->v[S_PAGES_RATE][i] = (double)mmr_stmt_int(q, 3) / bs;
		l->v[S_CS_OK][i] = (double)mmr_stmt_int(q, 4) / bs;
		l->v[S_CS_FAIL][i] = (double)mmr_stmt_int(q, 5) / bs;
		l->v[S_FRAG_RATE][i] = (double)mmr_stmt_int(q, 6) / bs;
		if (!mmr_stmt_is_null(q, 7)) {
			l->has_psi = true;
			l->v[S_PSI_SOME][i] = mmr_stmt_double(q, 7);
			l->v[S_PSI_FULL][i] = mmr_stmt_double(q, 8);
		}
		i++;
	}
	mmr_stmt_free(q);
	if (rc < 0)
		return rc;
	l->nr = i;

	err = mmr_stmt_prepare(st, "SELECT start_ts, end_ts FROM storms WHERE run_id = ?1 "
			       "ORDER BY storm", &q);
	if (err)
		return err;
	mmr_stmt_bind_int(q, 1, l->run_id);
	while ((rc = mmr_stmt_step(q)) == 1) {
		void *n = realloc(l->storms, (l->nr_storms + 1) * sizeof(*l->storms));

		if (!n) {
			rc = -ENOMEM;
			break;
		}
		l->storms = n;
		l->storms[l->nr_storms][0] = (uint64_t)mmr_stmt_int(q, 0) - l->start_ts;
		l->storms[l->nr_storms][1] = (uint64_t)mmr_stmt_int(q, 1) - l->start_ts;
		l->nr_storms++;
	}
	mmr_stmt_free(q);
	return rc < 0 ? rc : 0;
}

/* Makes sure @run is derived and detected with @o; derives only what is missing. */
static int ensure_derived(struct mmr_store *st, int64_t run, const struct mmr_storm_opts *o)
{
	int64_t detected = 0;
	char sql[128];
	int err;

	err = mmr_storms_derived(st, run, o);
	if (err < 0)
		return err;
	if (err == 0) {
		err = mmr_storms_derive(st, run, o);
		return err ? err : mmr_storms_detect(st, run, o);
	}
	snprintf(sql, sizeof(sql), "SELECT stall_pct IS NOT NULL FROM storm_runs WHERE run_id = %lld",
		 (long long)run);
	err = mmr_store_query_int(st, sql, &detected);
	if (!err && !detected)
		err = mmr_storms_detect(st, run, o);
	return err;
}

/* 1, 2 or 5 times a power of ten, at least @v. */
static double nice_ceil(double v)
{
	double p, m;

	if (!(v > 0))
		return 1;
	p = pow(10, floor(log10(v)));
	m = v / p;
	if (m <= 1.0 + 1e-9)
		return p;
	if (m <= 2.0 + 1e-9)
		return 2 * p;
	if (m <= 5.0 + 1e-9)
		return 5 * p;
	return 10 * p;
}

static void fmt_num(char *buf, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(buf, n, "%gM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, n, "%gk", v / 1e3);
	else
		snprintf(buf, n, "%g", v);
}

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
		}
	}
}

struct geom {
	double	x0, w;		/* plot area */
	double	span_s;		/* the shared axis length */
};

/*
 * Per-pixel peaks of series @s (and @s2 stacked on it when >= 0): fills
 * @col[c] for columns 0..@ncols-1 of a lane whose buckets cover @lane_s seconds.
 */
static void columns(const struct lane *l, int s, int s2, const struct geom *g, double *col,
		    size_t ncols)
{
	for (size_t c = 0; c < ncols; c++)
		col[c] = -1;
	for (size_t i = 0; i < l->nr; i++) {
		double t = (double)i * (double)l->bucket_ns / 1e9;
		size_t c = (size_t)(t / g->span_s * (double)ncols);
		double v = l->v[s][i] + (s2 >= 0 ? l->v[s2][i] : 0);

		if (c >= ncols)
			c = ncols - 1;
		if (v > col[c])
			col[c] = v;
	}
}

/*
 * A filled step area (or a line when @fill is NULL) of series @s (+@s2) in a panel.
 * Only the steps are written: flat stretches cost one point.
 */
static void draw_series(FILE *f, const struct lane *l, int s, int s2, const struct geom *g,
			double y0, double ymax, const char *fill, const char *stroke, double *col,
			size_t ncols)
{
	double lane_s = (double)l->nr * (double)l->bucket_ns / 1e9;
	size_t used = (size_t)ceil(lane_s / g->span_s * (double)ncols);
	double cw = g->w / (double)ncols, prev = y0 + PANEL_H, base = y0 + PANEL_H;

	if (used > ncols)
		used = ncols;
	if (!used)
		return;
	columns(l, s, s2, g, col, ncols);
	fprintf(f, "<path fill=\"%s\" stroke=\"%s\" stroke-width=\"1\" d=\"M%.1f,%.1f",
		fill ? fill : "none", stroke, g->x0, base);
	for (size_t c = 0; c < used; c++) {
		double v, y, x = g->x0 + (double)c * cw;

		if (col[c] < 0)		/* no bucket starts in this column: hold the last */
			col[c] = c ? col[c - 1] : 0;
		v = col[c];
		y = base - (v > ymax ? ymax : v) / ymax * PANEL_H;
		if (c == 0 || fabs(y - prev) >= 0.05)
			fprintf(f, " L%.1f,%.1f L%.1f,%.1f", x, prev, x, y);
		prev = y;
	}
	fprintf(f, " L%.1f,%.1f", g->x0 + (double)used * cw, prev);
	if (fill)
		fprintf(f, " L%.1f,%.1f Z", g->x0 + (double)used * cw, base);
	fputs("\"/>\n", f);
}

static double series_max(const struct lane *l, int s, int s2)
{
	double m = 0;

	for (size_t i = 0; i < l->nr; i++) {
		double v = l->v[s][i] + (s2 >= 0 ? l->v[s2][i] : 0);

		if (v > m)
			m = v;
	}
	return m;
}

struct panel {
	const char	*title, *unit;
	int		s, s2;		/* s2 stacked on s (area), or -1 */
	const char	*fill, *fill2;
	int		line;		/* second series as a line instead (PSI full) */
};

static const struct panel panels[] = {
	{ "stall load", "% of time", S_DR_LOAD, S_C_LOAD, "#d62728", "#ff7f0e", 0 },
	{ "direct reclaim", "entries/s", S_DR_RATE, -1, "#1f77b4", NULL, 0 },
	{ "pages reclaimed", "pages/s", S_PAGES_RATE, -1, "#2ca02c", NULL, 0 },
	{ "compaction stalls", "/s ok+fail", S_CS_OK, S_CS_FAIL, "#17becf", "#9467bd", 0 },
	{ "fragmenting", "fallbacks/s", S_FRAG_RATE, -1, "#8c564b", NULL, 0 },
	{ "PSI memory", "avg10 %", S_PSI_SOME, S_PSI_FULL, "#e377c2", "#7f7f7f", 1 },
};

static void draw_lane(FILE *f, const struct lane *l, const struct geom *g, double *y,
		      double *col, size_t ncols)
{
	size_t np = NR_PANELS + (l->has_psi ? 1 : 0);
	double top = *y, lane_h, step;
	char buf[64];

	fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"lane\">", 10, *y + 17);
	xml_text(f, l->label);
	fprintf(f, "</text>\n");
	*y += LANE_TITLE;
	lane_h = (double)np * (PANEL_H + PANEL_GAP) - PANEL_GAP;

	for (size_t p = 0; p < np; p++)
		fprintf(f, "<rect class=\"panel\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>\n",
			g->x0, *y + (double)p * (PANEL_H + PANEL_GAP), g->w, PANEL_H);
	/* storms behind the data */
	for (size_t i = 0; i < l->nr_storms; i++) {
		double xa = g->x0 + (double)l->storms[i][0] / 1e9 / g->span_s * g->w;
		double xb = g->x0 + (double)l->storms[i][1] / 1e9 / g->span_s * g->w;

		if (xb - xa < 1)
			xb = xa + 1;
		fprintf(f, "<rect class=\"storm\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
			xa, *y - 4, xb - xa, lane_h + 8);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"stormlabel\">storm %zu</text>\n",
			xa + 2, top + 17, i + 1);
	}
	for (size_t p = 0; p < np; p++) {
		const struct panel *pn = &panels[p];
		double ymax, y0 = *y;

		ymax = pn->line ? series_max(l, pn->s, -1) : series_max(l, pn->s, pn->s2);
		if (pn->line && series_max(l, pn->s2, -1) > ymax)
			ymax = series_max(l, pn->s2, -1);
		ymax = nice_ceil(ymax);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"ptitle\">%s</text>\n", 10, y0 + 22,
			pn->title);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"punit\">%s</text>\n", 10, y0 + 38,
			pn->unit);
		fmt_num(buf, sizeof(buf), ymax);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ytick\">%s</text>\n", g->x0 - 4,
			y0 + 9, buf);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ytick\">0</text>\n", g->x0 - 4,
			y0 + PANEL_H);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			g->x0, y0 + PANEL_H / 2.0, g->x0 + g->w, y0 + PANEL_H / 2.0);
		if (pn->line) {
			draw_series(f, l, pn->s, -1, g, y0, ymax, pn->fill, pn->fill, col, ncols);
			draw_series(f, l, pn->s2, -1, g, y0, ymax, NULL, pn->fill2, col, ncols);
		} else {
			if (pn->s2 >= 0)
				draw_series(f, l, pn->s, pn->s2, g, y0, ymax, pn->fill2, pn->fill2, col,
					    ncols);
			draw_series(f, l, pn->s, -1, g, y0, ymax, pn->fill, pn->fill, col, ncols);
		}
		if (p == 0 && l->stall_pct <= ymax) {
			double ty = y0 + PANEL_H - l->stall_pct / ymax * PANEL_H;

			fprintf(f, "<line class=\"thresh\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\"/>\n", g->x0, ty, g->x0 + g->w, ty);
		}
		*y += PANEL_H + PANEL_GAP;
	}
	/* the time axis */
	step = nice_ceil(g->span_s / 10);
	for (double t = 0; t <= g->span_s + 1e-9; t += step) {
		double x = g->x0 + t / g->span_s * g->w;

		fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			x, top + LANE_TITLE, x, *y - PANEL_GAP + 4);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"xtick\">%g</text>\n", x,
			*y - PANEL_GAP + 18, t);
	}
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"xunit\">seconds from run start</text>\n",
		10, *y - PANEL_GAP + 18);
	*y += LANE_AXIS - PANEL_GAP + LANE_GAP;
}

static int write_svg(FILE *f, struct lane *lanes, size_t nr)
{
	unsigned int width, height;
	size_t nr_psi = 0, ncols;
	struct geom g = { .x0 = PLOT_LEFT, .w = PLOT_W - PLOT_LEFT - PLOT_RIGHT, .span_s = 0 };
	double y = PLOT_TOP, *col;

	for (size_t i = 0; i < nr; i++) {
		double s = (double)lanes[i].nr * (double)lanes[i].bucket_ns / 1e9;

		nr_psi += lanes[i].has_psi;
		if (s > g.span_s)
			g.span_s = s;
	}
	if (!(g.span_s > 0))
		g.span_s = 1;
	ncols = (size_t)g.w;
	col = calloc(ncols, sizeof(*col));
	if (!col)
		return -ENOMEM;
	mmr_plot_size(nr, nr_psi, &width, &height);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
		"viewBox=\"0 0 %u %u\" font-family=\"sans-serif\">\n", width, height, width, height);
	fputs("<style>\n"
	      ".lane{font-size:14px;font-weight:bold;fill:#222}\n"
	      ".ptitle{font-size:12px;fill:#222}\n"
	      ".punit{font-size:11px;fill:#666}\n"
	      ".ytick{font-size:10px;fill:#444;text-anchor:end}\n"
	      ".xtick{font-size:10px;fill:#444;text-anchor:middle}\n"
	      ".xunit{font-size:10px;fill:#666}\n"
	      ".panel{fill:#fafafa;stroke:#bbb;stroke-width:1}\n"
	      ".grid{stroke:#e4e4e4;stroke-width:1}\n"
	      ".tick{stroke:#ddd;stroke-width:1;stroke-dasharray:2,3}\n"
	      ".thresh{stroke:#d62728;stroke-width:1;stroke-dasharray:5,3;opacity:0.7}\n"
	      ".storm{fill:#d62728;opacity:0.13}\n"
	      ".stormlabel{font-size:11px;fill:#b01010}\n"
	      ".title{font-size:16px;font-weight:bold}\n"
	      ".legend{font-size:11px;fill:#444}\n"
	      "</style>\n", f);
	fprintf(f, "<rect width=\"%u\" height=\"%u\" fill=\"white\"/>\n", width, height);
	fputs("<text x=\"10\" y=\"22\" class=\"title\">mmreplay timeline</text>\n", f);
	fputs("<text x=\"10\" y=\"42\" class=\"legend\">shaded: storms; stall load: direct reclaim "
	      "(red) + direct compaction (orange), dashed line: storm threshold; compaction stalls: "
	      "succeeded (cyan) + failed (violet); PSI: some (pink area), full (grey line)</text>\n", f);
	for (size_t i = 0; i < nr; i++)
		draw_lane(f, &lanes[i], &g, &y, col, ncols);
	fputs("</svg>\n", f);
	free(col);
	return ferror(f) ? -EIO : 0;
}

/* mkstemp() makes 0600 files; a plot gets the mode a plain fopen() would give it. */
static void chmod_umask(const char *p)
{
	mode_t m = umask(0);

	umask(m);
	if (chmod(p, 0666 & ~m))
		mmr_debug("cannot chmod '%s'", p);
}

int mmr_plot_svg(struct mmr_store *st, const int64_t *runs, const char *const *labels,
		 size_t nr_runs, const char *path, const struct mmr_storm_opts *o)
{
	struct mmr_storm_opts defaults;
	struct lane *lanes;
	char *tmp = NULL;
	FILE *f = NULL;
	int err, fd;

	if (!o) {
		mmr_storm_opts_init(&defaults);
		o = &defaults;
	}
	if (!nr_runs || !path || !*path) {
		mmr_err("a plot needs at least one run and an output file");
		return -MMR_E_INVAL;
	}
	err = mmr_storm_opts_check(o);
	if (err)
		return err;
	lanes = calloc(nr_runs, sizeof(*lanes));
	if (!lanes)
		return -ENOMEM;
	/* the output first: a plot that cannot be written derives nothing */
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		free(lanes);
		return -ENOMEM;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		err = -errno;
		mmr_err("cannot write '%s': %s", path, mmr_strerror(err));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		free(lanes);
		return err;
	}
	/* derivation and the file succeed or fail together */
	err = storms_sp_begin(st);
	for (size_t i = 0; i < nr_runs && !err; i++) {
		struct storms_run r;

		lanes[i].run_id = runs[i];
		err = storms_run_load(st, runs[i], &r);
		if (!err)
			err = ensure_derived(st, runs[i], o);
		if (!err)
			err = lane_load(st, &lanes[i], o);
		if (!err)
			snprintf(lanes[i].label, sizeof(lanes[i].label), "%s",
				 labels && labels[i] ? labels[i] : r.label);
	}
	if (!err)
		err = write_svg(f, lanes, nr_runs);
	if (fflush(f) || fsync(fileno(f)))
		err = err ? err : -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		chmod_umask(tmp);
	if (!err && rename(tmp, path)) {
		err = -errno;
		mmr_err("cannot write '%s': %s", path, mmr_strerror(err));
	}
	if (err)
		unlink(tmp);
	err = storms_sp_end(st, err);
	free(tmp);
	for (size_t i = 0; i < nr_runs; i++)
		lane_release(&lanes[i]);
	free(lanes);
	return err;
}
