/*
 * rep_details.c - each cluster's details, once for the Markdown summary and the HTML page:
 * rep_details is the list of what they show, in their order, with the cuts of each output
 * and one cap on the values a histogram shows (REP_DETAIL_VALUES). An item with a label is
 * framed by the walk ("- label: value" in Markdown, <dt>label</dt><dd>value</dd> in HTML);
 * one without writes itself. An item shown by one output only says so.
 */
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"

enum { IN_MD = 1, IN_HTML = 2, IN_BOTH = 3 };

struct rep_detail {
    const char *label; /* NULL: the writer writes the whole item */
    unsigned in;       /* IN_* */
    size_t cut_md, cut_html;
    /* the histogram of the cluster it shows (kpt_cluster_fields), or NULL */
    const struct kpt_field *fd;
    void (*value)(const struct rep_cell *x, const struct rep_detail *d);
};

/* a path: bytes that are not UTF-8 shown as \xNN (and '\' as \\ then), so that two names
 * that differ only there never print the same */
static void
path(const struct rep_cell *x, const char *p)
{
    char *e = rep_lossless_enc(p ? p : "-");

    rep_cell_text(x, e);
    free(e);
}

static void
hist(const struct rep_cell *x, const struct kpt_hist *h)
{
    if (x->html)
        rep_html_hist(x->b, h, REP_DETAIL_VALUES);
    else
        rep_md_hist(x->b, h, REP_DETAIL_VALUES);
}

/* ---- the items ---- */

static void
d_head(const struct rep_cell *x, const struct rep_detail *d)
{
    (void)d;
    if (x->html)
        buf_addf(x->b, "<details id=\"c-%s\"><summary>#%zu ", REP_CL(x)->id_hex, x->i + 1);
    else
        buf_addf(x->b, "### %zu. ", x->i + 1);
    rep_cell_text(x, REP_CL(x)->signature);
    if (x->html)
        buf_addf(x->b, " (%zu)</summary>\n<dl>", REP_CL(x)->count);
    else
        buf_adds(x->b, "\n\n");
}

/* Markdown's line says the count, the share, the class and the culprit with it */
static void
d_id(const struct rep_cell *x, const struct rep_detail *d)
{
    const struct kpt_cluster *c = REP_CL(x);
    struct rep_cell y = *x;

    (void)d;
    buf_addf(x->b, x->html ? "<code>%s</code>" : "`%s`", c->id_hex);
    if (x->html)
        return;
    buf_addf(x->b, ", %zu report%s (", c->count, c->count == 1 ? "" : "s");
    rep_pct(x->b, c->count, KPT_TOTAL(x->s));
    buf_adds(x->b, "), class ");
    y.cut = REP_CUT_WORD;
    rep_cell_text(&y, c->panic_class);
    buf_adds(x->b, ", culprit ");
    y.cut = REP_CUT_NAME;
    rep_cell_text(&y, c->culprit);
    if (c->culprit)
        buf_addf(x->b, " (%s)",
                 !strcmp(kpt_culprit_owner(c->culprit), "apple") ? "Apple" : "third party");
}

static void
d_class(const struct rep_cell *x, const struct rep_detail *d)
{
    (void)d;
    rep_cell_text(x, REP_CL(x)->panic_class);
}

static void
d_culprit(const struct rep_cell *x, const struct rep_detail *d)
{
    (void)d;
    rep_cell_text(x, REP_CL(x)->culprit);
}

static void
d_coarse(const struct rep_cell *x, const struct rep_detail *d)
{
    const struct kpt_cluster *c = REP_CL(x);

    (void)d;
    buf_addf(x->b, "`%s` ", c->coarse_id ? c->coarse_id : "-");
    rep_cell_text(x, c->coarse);
    buf_addf(x->b, "; %s%zu distinct fine key%s; quality ", c->fine_keys.other ? "over " : "",
             c->fine_keys.n, c->fine_keys.n == 1 ? "" : "s");
    hist(x, &c->qualities);
    if (c->kext_versions.n) {
        buf_adds(x->b, "; culprit versions ");
        hist(x, &c->kext_versions);
    }
}

static void
d_history(const struct rep_cell *x, const struct rep_detail *d)
{
    (void)d;
    if (x->html)
        rep_html_history_cluster(x->b, x->s, x->i);
    else
        rep_md_history_cluster(x->b, x->s, x->i);
}

/* a message of several lines shown whole: a hard line break between them in Markdown (the
 * next ones indented under the item), <br> in HTML */
static void
d_message(const struct rep_cell *x, const struct rep_detail *d)
{
    const char *m = REP_CL(x)->message && *REP_CL(x)->message ? REP_CL(x)->message : "(none)";

    (void)d;
    if (x->html)
        rep_xml_lines(x->b, m, x->cut);
    else
        rep_md_lines(x->b, m, x->cut, "  ");
}

static void
d_hist(const struct rep_cell *x, const struct rep_detail *d)
{
    hist(x, kpt_field_cptr(d->fd, REP_CL(x)));
}

static void
d_dl_end(const struct rep_cell *x, const struct rep_detail *d)
{
    (void)d;
    buf_adds(x->b, "</dl>\n");
}

/* the representative's frames; Markdown folds a long backtrace */
static void
d_backtrace(const struct rep_cell *x, const struct rep_detail *d)
{
    const struct kpt_cluster *c = REP_CL(x);
    size_t k, fold = !x->html && c->rep_nframes > REP_DETAIL_FOLD;

    (void)d;
    buf_adds(x->b, x->html ? "<h4>Backtrace of " : "- backtrace of ");
    path(x, c->rep_path);
    if (!c->rep_nframes) {
        buf_adds(x->b, x->html ? "</h4><p>none in the report</p>\n" : ": none in the report\n");
        return;
    }
    buf_adds(x->b, x->html ? "</h4><ol class=\"bt\" start=\"0\">" : ":\n\n");
    if (fold)
        buf_addf(x->b, "<details><summary>%zu frames</summary>\n\n", c->rep_nframes);
    for (k = 0; k < c->rep_nframes; k++) {
        if (x->html)
            buf_adds(x->b, "<li>");
        else
            buf_addf(x->b, "  %zu. ", k);
        rep_cell_text(x, c->rep_frames[k]);
        buf_adds(x->b, x->html ? "</li>" : "\n");
    }
    buf_adds(x->b, x->html ? "</ol>\n" : fold ? "\n</details>\n" : "");
}

static void
d_examples(const struct rep_cell *x, const struct rep_detail *d)
{
    size_t k;

    (void)d;
    buf_adds(x->b, x->html ? "<p>examples: " : "\n- examples: ");
    for (k = 0; k < REP_CL(x)->nexamples; k++) {
        buf_adds(x->b, k ? ", " : "");
        path(x, REP_CL(x)->examples[k]);
    }
    buf_adds(x->b, x->html ? "</p>" : "\n");
}

const char *
rep_site_of(const char *v)
{
    const char *sp = strchr(v, ' ');

    return sp ? sp + 1 : "";
}

/* the columns of a cluster's hangs by site: which output shows them, numbers right */
static const struct {
    const char *head;
    int right;
    unsigned in;
} hung_cols[] = {
    { "site", 0, IN_BOTH }, { "hang_id", 0, IN_BOTH }, { "count", 1, IN_BOTH },
    { "share", 1, IN_MD },  { "example", 0, IN_BOTH },
};

static void
hung_head(const struct rep_cell *x)
{
    const char *heads[sizeof(hung_cols) / sizeof(hung_cols[0])];
    int right[sizeof(hung_cols) / sizeof(hung_cols[0])];
    size_t k, n = 0;

    for (k = 0; k < sizeof(hung_cols) / sizeof(hung_cols[0]); k++) {
        if (!(hung_cols[k].in & (x->html ? IN_HTML : IN_MD)))
            continue;
        if (x->html)
            buf_addf(x->b, "<th>%s</th>", hung_cols[k].head);
        heads[n] = hung_cols[k].head;
        right[n++] = hung_cols[k].right;
    }
    if (!x->html)
        rep_md_head(x->b, heads, right, n);
}

/* the cluster's hangs by site: count, share of the cluster, one example */
static void
hung_md(const struct rep_cell *x)
{
    const struct kpt_cluster *c = REP_CL(x);
    struct buf *b = x->b;
    size_t k, keyed = 0;

    buf_adds(b, "\n#### Where it hung\n\n");
    hung_head(x);
    for (k = 0; k < c->hang_sites.n; k++) {
        const struct kpt_hist_entry *e = &c->hang_sites.v[k];

        keyed += e->count;
        buf_adds(b, "| ");
        rep_md_text(b, rep_site_of(e->value), REP_CUT_CELL);
        buf_addf(b, " | `%.16s` | %zu | ", e->value, e->count);
        rep_pct(b, e->count, c->count);
        buf_adds(b, " | ");
        path(x, e->example);
        buf_adds(b, " |\n");
    }
    if (c->hang_sites.other) {
        keyed += c->hang_sites.other;
        buf_addf(b, "| (other sites) | - | %zu | ", c->hang_sites.other);
        rep_pct(b, c->hang_sites.other, c->count);
        buf_adds(b, " | - |\n");
    }
    if (c->count > keyed) {
        buf_addf(b, "| (no site: no stackshot, or no thread to blame) | - | %zu | ",
                 c->count - keyed);
        rep_pct(b, c->count - keyed, c->count);
        buf_adds(b, " | - |\n");
    }
}

static void
hung_html(const struct rep_cell *x)
{
    const struct kpt_cluster *c = REP_CL(x);
    struct rep_cell y = *x;
    size_t k;

    buf_adds(x->b, "<h4>Where it hung</h4><table><thead><tr>");
    hung_head(x);
    buf_adds(x->b, "</tr></thead><tbody>\n");
    for (k = 0; k < c->hang_sites.n; k++) {
        const struct kpt_hist_entry *e = &c->hang_sites.v[k];

        buf_adds(x->b, "<tr><td>");
        y.cut = REP_CUT_WIDE;
        rep_cell_text(&y, rep_site_of(e->value));
        buf_adds(x->b, "</td><td><code>");
        y.cut = REP_CUT_KEY;
        rep_cell_text(&y, e->value);
        buf_addf(x->b, "</code></td><td class=\"n\">%zu</td><td>", e->count);
        path(x, e->example);
        buf_adds(x->b, "</td></tr>\n");
    }
    buf_adds(x->b, "</tbody></table>\n");
}

static void
d_hung(const struct rep_cell *x, const struct rep_detail *d)
{
    (void)d;
    if (!REP_CL(x)->hang_sites.n)
        return;
    if (x->html)
        hung_html(x);
    else
        hung_md(x);
}

static void
d_end(const struct rep_cell *x, const struct rep_detail *d)
{
    (void)d;
    buf_adds(x->b, x->html ? "</details>\n" : "\n");
}

#define FD(id) &kpt_cluster_fields[id]

static const struct rep_detail rep_details[] = {
    { NULL, IN_BOTH, REP_CUT_TITLE, REP_CUT_PAGE, NULL, d_head },
    { "id", IN_BOTH, 0, 0, NULL, d_id },
    { "class", IN_HTML, 0, REP_CUT_NAME, NULL, d_class },
    { "culprit", IN_HTML, 0, REP_CUT_WIDE, NULL, d_culprit },
    { "coarse", IN_MD, REP_CUT_TITLE, 0, NULL, d_coarse },
    { NULL, IN_MD, 0, 0, NULL, d_history },
    { "message", IN_BOTH, REP_CUT_ALL, REP_CUT_ALL, NULL, d_message },
    { "OS builds", IN_BOTH, 0, 0, FD(KPT_CF_BUILDS), d_hist },
    { "models", IN_BOTH, 0, 0, FD(KPT_CF_MODELS), d_hist },
    { "processes", IN_BOTH, 0, 0, FD(KPT_CF_PROCESSES), d_hist },
    { "formats", IN_MD, 0, 0, FD(KPT_CF_FORMATS), d_hist },
    { NULL, IN_HTML, 0, 0, NULL, d_history },
    { NULL, IN_HTML, 0, 0, NULL, d_dl_end },
    { NULL, IN_HTML, 0, REP_CUT_PAGE, NULL, d_hung }, /* the cut: an example's */
    { NULL, IN_BOTH, REP_CUT_TEXT, REP_CUT_PAGE, NULL, d_backtrace },
    { NULL, IN_BOTH, REP_CUT_TEXT, REP_CUT_PAGE, NULL, d_examples },
    { NULL, IN_MD, REP_CUT_WIDE, 0, NULL, d_hung },
    { NULL, IN_BOTH, 0, 0, NULL, d_end },
    { NULL, 0, 0, 0, NULL, NULL },
};

#undef FD

void
rep_cluster_details(struct buf *b, const struct kpt_summary *s, size_t i, int html)
{
    const struct rep_detail *d;
    struct rep_cell x = { b, s, i, html, 0 };

    for (d = rep_details; d->value; d++) {
        if (!(d->in & (html ? IN_HTML : IN_MD)))
            continue;
        x.cut = html ? d->cut_html : d->cut_md;
        if (d->label)
            buf_addf(b, html ? "<dt>%s</dt><dd>" : "- %s: ", d->label);
        d->value(&x, d);
        if (d->label)
            buf_adds(b, html ? "</dd>" : "\n");
    }
}
