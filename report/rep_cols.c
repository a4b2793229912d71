/*
 * rep_cols.c - the clusters table's columns, once for the Markdown summary and the HTML
 * page: each column's header, alignment, cut and value; the header, separator and rows of
 * both outputs are loops over rep_cluster_cols. And the cells' helpers both use.
 */
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"

#define BUILDS_SHOWN 4 /* OS builds in the table's cell */

void
rep_pct(struct buf *b, size_t part, size_t whole)
{
    if (!whole)
        buf_adds(b, "-");
    else
        buf_addf(b, "%.1f%%", 100.0 * (double)part / (double)whole);
}

void
rep_when(struct buf *b, int has, int64_t t, int local)
{
    struct arena *a;

    if (!has) {
        buf_adds(b, "-");
        return;
    }
    a = arena_new(256);
    buf_adds(b, kpt_time_text(a, t, local));
    arena_free(a);
}

void
rep_md_hist(struct buf *b, const struct kpt_hist *h, size_t shown)
{
    size_t i, rest = h->other;

    for (i = 0; i < h->n; i++) {
        if (i >= shown) {
            rest += h->v[i].count;
            continue;
        }
        if (i)
            buf_adds(b, ", ");
        rep_md_text(b, h->v[i].value, REP_CUT_WORD);
        buf_addf(b, " ×%zu", h->v[i].count);
    }
    if (rest)
        buf_addf(b, ", others ×%zu", rest);
    if (!h->n)
        buf_adds(b, "-");
}

void
rep_html_hist(struct buf *b, const struct kpt_hist *h, size_t shown)
{
    size_t i;

    for (i = 0; i < h->n && i < shown; i++) {
        buf_adds(b, i ? ", " : "");
        rep_xml_text(b, h->v[i].value, REP_CUT_WIDE);
        buf_addf(b, " \xc3\x97%zu", h->v[i].count);
    }
    if (h->n > shown || h->other)
        buf_adds(b, ", \xe2\x80\xa6");
    if (!h->n)
        buf_adds(b, "-");
}

/* ---- the cells ---- */

void
rep_cell_text(const struct rep_cell *x, const char *s)
{
    if (x->html)
        rep_xml_text(x->b, s ? s : "-", x->cut);
    else
        rep_md_text(x->b, s ? s : "-", x->cut);
}

static const struct kpt_cluster_hist *
hist_of(const struct rep_cell *x)
{
    return &x->s->hist->clusters[x->i];
}

static void
v_rank(const struct rep_cell *x)
{
    buf_addf(x->b, "%zu", x->i + 1);
}
static void
v_count(const struct rep_cell *x)
{
    buf_addf(x->b, "%zu", REP_CL(x)->count);
}
static void
v_share(const struct rep_cell *x)
{
    rep_pct(x->b, REP_CL(x)->count, KPT_TOTAL(x->s));
}
static void
v_class(const struct rep_cell *x)
{
    rep_cell_text(x, REP_CL(x)->panic_class);
}
static void
v_culprit(const struct rep_cell *x)
{
    rep_cell_text(x, REP_CL(x)->culprit);
}
static void
v_state(const struct rep_cell *x)
{
    buf_adds(x->b, rep_hist_state(hist_of(x)));
}
static void
v_new(const struct rep_cell *x)
{
    buf_addf(x->b, "%zu", hist_of(x)->new_reports);
}
static void
v_ever(const struct rep_cell *x)
{
    buf_addf(x->b, "%zu", hist_of(x)->total);
}

static void
v_baseline(const struct rep_cell *x)
{
    char tmp[32];

    buf_adds(x->b, rep_baseline_status(x->s->base, REP_CL(x), tmp));
}

static void
v_trend(const struct rep_cell *x)
{
    if (x->html)
        rep_spark_svg(x->b, hist_of(x)->trend, x->s->hist->ntrend);
    else
        rep_spark(x->b, hist_of(x)->trend, x->s->hist->ntrend);
}

/* the page's signature links to the cluster's details */
static void
v_signature(const struct rep_cell *x)
{
    if (x->html)
        buf_addf(x->b, "<a href=\"#c-%s\">", REP_CL(x)->id_hex);
    rep_cell_text(x, REP_CL(x)->signature);
    if (x->html)
        buf_adds(x->b, "</a>");
}

static void
v_first(const struct rep_cell *x)
{
    rep_when(x->b, REP_CL(x)->has_seen, REP_CL(x)->first_seen, REP_CL(x)->seen_local);
}
static void
v_last(const struct rep_cell *x)
{
    rep_when(x->b, REP_CL(x)->has_seen, REP_CL(x)->last_seen, REP_CL(x)->seen_local);
}

static void
v_builds(const struct rep_cell *x)
{
    if (x->html)
        rep_html_hist(x->b, &REP_CL(x)->builds, BUILDS_SHOWN);
    else
        rep_md_hist(x->b, &REP_CL(x)->builds, BUILDS_SHOWN);
}

/* how many distinct sites its hangs came from ('>' past the histogram's bound) */
static void
v_sites(const struct rep_cell *x)
{
    buf_addf(x->b, "%s%zu", REP_CL(x)->hang_sites.other ? ">" : "", REP_CL(x)->hang_sites.n);
}

static int
md_only_baseline(const struct kpt_summary *s, int html)
{
    return !html && s->base;
}
static int
with_history(const struct kpt_summary *s, int html)
{
    (void)html;
    return s->hist != NULL;
}
static int
md_only(const struct kpt_summary *s, int html)
{
    (void)s;
    return !html;
}
/* Markdown: only in a run with hang keys */
static int
with_sites(const struct kpt_summary *s, int html)
{
    return html || s->hang_keyed;
}

const struct rep_col rep_cluster_cols[] = {
    { "#", 1, 0, 0, NULL, v_rank },
    { "count", 1, 0, 0, NULL, v_count },
    { "vs baseline", 0, 0, 0, md_only_baseline, v_baseline },
    { "history", 0, 0, 0, with_history, v_state },
    { "new", 1, 0, 0, with_history, v_new },
    { "ever", 1, 0, 0, with_history, v_ever },
    { "trend", 0, 0, 0, with_history, v_trend },
    { "share", 1, 0, 0, NULL, v_share },
    { "signature", 0, REP_CUT_CELL, REP_CUT_TEXT, NULL, v_signature },
    { "class", 0, REP_CUT_WORD, REP_CUT_NAME, NULL, v_class },
    { "culprit", 0, REP_CUT_NAME, REP_CUT_WIDE, NULL, v_culprit },
    { "first seen", 0, 0, 0, md_only, v_first },
    { "last seen", 0, 0, 0, md_only, v_last },
    { "OS builds", 0, 0, 0, NULL, v_builds },
    { "hang sites", 1, 0, 0, with_sites, v_sites },
    { NULL, 0, 0, 0, NULL, NULL },
};

static int
shown(const struct rep_col *c, const struct kpt_summary *s, int html)
{
    return !c->shown || c->shown(s, html);
}

void
rep_cols_md_head(struct buf *b, const struct kpt_summary *s, const struct rep_col *t)
{
    const char *heads[32];
    int right[32];
    size_t n = 0;

    for (; t->head && n < 32; t++) {
        if (!shown(t, s, 0))
            continue;
        /* the trend's runs: how far back its blocks go */
        heads[n] = t->value == v_trend ? NULL : t->head;
        right[n++] = t->right;
    }
    {
        struct buf trend = BUF_INIT;
        size_t k;

        if (s->hist)
            buf_addf(&trend, "trend (%zu runs)", s->hist->ntrend);
        for (k = 0; k < n; k++)
            if (!heads[k])
                heads[k] = trend.data;
        rep_md_head(b, heads, right, n);
        buf_release(&trend);
    }
}

void
rep_cols_md_row(struct buf *b, const struct kpt_summary *s, size_t i, const struct rep_col *t)
{
    struct rep_cell x = { b, s, i, 0, 0 };
    int first = 1;

    for (; t->head; t++) {
        if (!shown(t, s, 0))
            continue;
        buf_adds(b, first ? "| " : " | ");
        x.cut = t->cut_md;
        t->value(&x);
        first = 0;
    }
    buf_adds(b, " |\n");
}

void
rep_cols_html_head(struct buf *b, const struct kpt_summary *s, const struct rep_col *t)
{
    for (; t->head; t++)
        if (shown(t, s, 1))
            buf_addf(b, "<th>%s</th>", t->head);
}

void
rep_cols_html_row(struct buf *b, const struct kpt_summary *s, size_t i, const struct rep_col *t)
{
    struct rep_cell x = { b, s, i, 1, 0 };

    for (; t->head; t++) {
        if (!shown(t, s, 1))
            continue;
        buf_adds(b, t->right ? "<td class=\"n\">" : "<td>");
        x.cut = t->cut_html;
        t->value(&x);
        buf_adds(b, "</td>");
    }
}
