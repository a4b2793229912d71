/*
 * rep_hist.c - what a history adds to the outputs (--history): per-cluster new and total
 * counts, first seen, trend, NEW / REGRESSED and triage; and the two commands' outputs
 * (kptrace-batch triage, kptrace-batch history), in Markdown.
 *
 * Bug links and notes come from whoever ran triage: they are escaped like report text.
 */
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"
#include "util/esc.h"
#include "util/xalloc.h"

static const char *const blocks[8] = {
    "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
    "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};

void
rep_spark(struct buf *b, const size_t *v, size_t n)
{
    size_t max = 0, i;

    for (i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    for (i = 0; i < n; i++) /* nothing: a dot; else one of eight heights */
        buf_adds(
            b,
            !v[i]
                ? "\xc2\xb7"
                : blocks[max <= 1 ? 7
                                  : (size_t)((double)(v[i] - 1) * 7.0 / (double)(max - 1) + 0.5)]);
}

void
rep_spark_svg(struct buf *b, const size_t *v, size_t n)
{
    size_t max = 1, i;
    const int w = 6, h = 18;

    for (i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    buf_addf(b,
             "<svg class=\"spark\" width=\"%zu\" height=\"%d\" viewBox=\"0 0 %zu %d\" role=\"img\" "
             "aria-label=\"new reports per run\">",
             n * w, h, n * w, h);
    for (i = 0; i < n; i++) {
        int bh = v[i] ? 1 + (int)((double)v[i] * (h - 1) / (double)max) : 0;

        if (bh)
            buf_addf(
                b, "<rect x=\"%zu\" y=\"%d\" width=\"%d\" height=\"%d\"><title>%zu</title></rect>",
                i * w, h - bh, w - 1, bh, v[i]);
    }
    buf_adds(b, "</svg>");
}

const char *
rep_hist_state(const struct kpt_cluster_hist *h)
{
    return h->flag ? kpt_hflag_name(h->flag) : kpt_triage_name(h->status);
}

static void
date(struct buf *b, int64_t t)
{
    struct arena *a = arena_new(256);

    buf_addf(b, "%.10s", kpt_time_text(a, t, 0));
    arena_free(a);
}

void
rep_md_history_header(struct buf *b, const struct kpt_summary *s)
{
    const struct kpt_run_hist *h = s->hist;

    if (!h)
        return;
    buf_adds(b, "History ");
    rep_md_text(b, h->path, REP_CUT_WIDE);
    buf_addf(b,
             ": run %lld (%zu recorded in all). Of this run's reports %zu are new to it and %zu "
             "were recorded before",
             (long long)h->run_id, h->runs, h->reports_new, h->reports_known);
    if (h->copies)
        buf_addf(b, " (%zu more were copies of a report of this run)", h->copies);
    buf_addf(b, "; %zu distinct reports in all. Clusters: %zu NEW, %zu REGRESSED", h->reports_ever,
             h->clusters_new, h->clusters_regressed);
    if (h->clusters_merged)
        buf_addf(b, ", %zu merged into others by triage", h->clusters_merged);
    buf_adds(b, ". Trends: new reports in each of the last ");
    buf_addf(b, "%zu runs (", h->ntrend);
    date(b, h->trend_start[0]);
    buf_adds(b, " to ");
    date(b, h->trend_start[h->ntrend - 1]);
    buf_adds(b, ").\n\n");
}

void
rep_md_history_cluster(struct buf *b, const struct kpt_summary *s, size_t i)
{
    const struct kpt_cluster_hist *h;
    size_t k;

    if (!s->hist)
        return;
    h = &s->hist->clusters[i];
    buf_addf(b, "- history: %s; %zu new this run, %zu ever; first seen ", rep_hist_state(h),
             h->new_reports, h->total);
    date(b, h->first_seen);
    buf_adds(b, "; trend ");
    rep_spark(b, h->trend, s->hist->ntrend);
    buf_adds(b, " (");
    for (k = 0; k < s->hist->ntrend; k++)
        buf_addf(b, "%s%zu", k ? " " : "", h->trend[k]);
    buf_addc(b, ')');
    if (h->flag)
        buf_addf(b, "; triage status %s", kpt_triage_name(h->status));
    if (h->bug) {
        buf_adds(b, "; bug ");
        rep_md_text(b, h->bug, REP_CUT_TEXT);
    }
    if (h->note) {
        buf_adds(b, "; note: ");
        rep_md_text(b, h->note, REP_CUT_NOTE);
    }
    if (h->merged_from.n) {
        buf_adds(b, "; merged into it by triage:");
        for (k = 0; k < h->merged_from.n; k++) {
            buf_adds(b, " `");
            rep_md_text(b, h->merged_from.v[k], REP_CUT_KEY);
            buf_adds(b, "`");
        }
    }
    buf_addc(b, '\n');
}

/* the page's items of a cluster's history: state and counts, trend, triage */
void
rep_html_history_cluster(struct buf *b, const struct kpt_summary *s, size_t i)
{
    const struct kpt_cluster_hist *h;
    size_t k;

    if (!s->hist)
        return;
    h = &s->hist->clusters[i];
    buf_addf(b, "<dt>history</dt><dd>%s; %zu new this run, %zu ever; first seen ",
             rep_hist_state(h), h->new_reports, h->total);
    date(b, h->first_seen);
    buf_adds(b, "</dd><dt>trend</dt><dd>");
    rep_spark_svg(b, h->trend, s->hist->ntrend);
    for (k = 0; k < s->hist->ntrend; k++)
        buf_addf(b, " %zu", h->trend[k]);
    buf_addf(b, "</dd><dt>triage</dt><dd>%s", kpt_triage_name(h->status));
    if (h->bug) {
        buf_adds(b, "; bug ");
        rep_xml_text(b, h->bug, REP_CUT_TEXT);
    }
    if (h->note) {
        buf_adds(b, "; note: ");
        rep_xml_text(b, h->note, REP_CUT_NOTE);
    }
    for (k = 0; k < h->merged_from.n; k++) {
        buf_adds(b, k ? ", " : "; merged into it: ");
        rep_xml_text(b, h->merged_from.v[k], REP_CUT_KEY);
    }
    buf_adds(b, "</dd>");
}

json_t *
rep_hist_run_json(const struct kpt_summary *s)
{
    const struct kpt_run_hist *h = s->hist;
    json_t *o = rep_fields_json(kpt_history_fields, h, 0), *ts = json_array(), *bl = json_array();
    struct arena *a = arena_new(256);
    size_t i, k;

    json_object_set_new(o, "path", rep_lossless_str(h->path));
    json_object_set_new(o, "run_id", json_integer((json_int_t)h->run_id));
    for (i = 0; i < h->ntrend; i++)
        json_array_append_new(ts, json_string(kpt_time_text(a, h->trend_start[i], 0)));
    json_object_set_new(o, "trend_runs", ts);
    for (i = 0; i < h->nbuilds; i++) {
        json_t *tr = json_array();

        for (k = 0; k < h->ntrend; k++)
            json_array_append_new(tr, json_integer((json_int_t)h->builds[i].trend[k]));
        json_array_append_new(
            bl, json_pack("{s:o,s:o}", "os_build", rep_jstr(h->builds[i].build), "trend", tr));
    }
    json_object_set_new(o, "builds", bl);
    arena_free(a);
    return o;
}

/* kptrace-batch triage: one cluster's record */
/* s for a terminal: controls, C1 and direction characters shown visibly (util/esc.h) */
static void
term(struct buf *b, const char *s)
{
    esc_term(b, s, strlen(s), 4096);
}

/* a signature id in a Markdown cell: as code when it is one (16 hex digits), else escaped
 * like any text (a history file is input too) */
static void
md_id(struct buf *b, const char *id)
{
    size_t i;

    for (i = 0; i < 16 && ((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')); i++)
        ;
    if (i == 16 && !id[16])
        buf_addf(b, "`%s`", id);
    else
        rep_md_text(b, id, REP_CUT_NAME);
}

int
rep_triage_record(FILE *f, const struct kpt_trend_row *r)
{
    struct buf b = BUF_INIT;
    size_t k;
    int ret;

    /* every text from the history (a report's, a note, a bug link) by the terminal's rule */
    buf_adds(&b, "cluster ");
    term(&b, r->id);
    buf_adds(&b, "\nsignature: ");
    term(&b, r->signature ? r->signature : "-");
    buf_adds(&b, "\nclass: ");
    term(&b, r->panic_class ? r->panic_class : "-");
    buf_addf(&b, "\nstatus: %s\nbug: ", kpt_triage_name(r->h.status));
    term(&b, r->h.bug ? r->h.bug : "-");
    buf_adds(&b, "\nnote: ");
    term(&b, r->h.note ? r->h.note : "-");
    buf_adds(&b, "\nmerged into: ");
    term(&b, r->merged_into ? r->merged_into : "-");
    buf_adds(&b, "\nmerged from:");
    for (k = 0; k < r->h.merged_from.n; k++) {
        buf_addc(&b, ' ');
        term(&b, r->h.merged_from.v[k]);
    }
    buf_addf(&b, "%s\nreports recorded: %zu\nfirst seen: ", r->h.merged_from.n ? "" : " -",
             r->h.total);
    date(&b, r->h.first_seen);
    buf_addc(&b, '\n');
    ret = fwrite(b.data, 1, b.len, f) == b.len ? 0 : KPT_E_IO;
    buf_release(&b);
    return ret;
}

/* kptrace-batch history: the runs, then each cluster's trend over them */
/* the history's tables: headers, and which columns are numbers */
static const char *const h_runs[] = { "run", "started", "files", "new reports" };
static const int r_runs[] = { 1, 0, 1, 1 };
static const char *const h_trend[] = { "signature_id", "state", "new",     "ever",
                                       "first seen",   "trend", "per run", "class",
                                       "signature",    "bug" };
static const int r_trend[] = { 0, 0, 1, 1, 0, 0, 0, 0, 0, 0 };

int
rep_trend_table(FILE *f, const struct kpt_trend_table *t)
{
    struct buf b = BUF_INIT;
    size_t i, k;
    int ret;

    buf_adds(&b, "# kptrace-batch history\n\n");
    rep_md_text(&b, t->path, REP_CUT_TEXT);
    buf_addf(&b, ": %zu runs, %zu distinct reports recorded.\n\n", t->runs_ever, t->reports_ever);
    if (!t->nruns) {
        buf_adds(&b, "No run recorded yet.\n");
        goto out;
    }
    rep_md_head(&b, h_runs, r_runs, sizeof(h_runs) / sizeof(h_runs[0]));
    for (i = 0; i < t->nruns; i++) {
        struct arena *a = arena_new(256);

        buf_addf(&b, "| %lld | %s | %zu | %zu |\n", (long long)t->run_ids[i],
                 kpt_time_text(a, t->run_start[i], 0), t->run_files[i], t->run_new[i]);
        arena_free(a);
    }
    buf_addf(&b, "\n## Clusters with reports in the last %zu runs\n\n", t->nruns);
    rep_md_head(&b, h_trend, r_trend, sizeof(h_trend) / sizeof(h_trend[0]));
    for (i = 0; i < t->nrows; i++) {
        const struct kpt_trend_row *r = &t->rows[i];

        buf_adds(&b, "| ");
        md_id(&b, r->id);
        buf_addf(&b, " | %s | %zu | %zu | ", rep_hist_state(&r->h), r->h.new_reports, r->h.total);
        date(&b, r->h.first_seen);
        buf_adds(&b, " | ");
        rep_spark(&b, r->h.trend, t->nruns);
        buf_adds(&b, " | ");
        for (k = 0; k < t->nruns; k++)
            buf_addf(&b, "%s%zu", k ? " " : "", r->h.trend[k]);
        buf_adds(&b, " | ");
        rep_md_text(&b, r->panic_class ? r->panic_class : "-", REP_CUT_WORD);
        buf_adds(&b, " | ");
        rep_md_text(&b, r->signature ? r->signature : "-", REP_CUT_CELL);
        buf_adds(&b, " | ");
        rep_md_text(&b, r->h.bug ? r->h.bug : "-", REP_CUT_WIDE);
        buf_adds(&b, " |\n");
    }
out:
    ret = fwrite(b.data, 1, b.len, f) == b.len ? 0 : KPT_E_IO;
    buf_release(&b);
    return ret;
}
