/*
 * rep_html.c - the summary as one self-contained page (--html): inline CSS and script, an
 * inline SVG chart, no fetch of any kind (a Content-Security-Policy says so to the
 * browser). Readable with scripts off: the table and every cluster's details are plain
 * HTML; the script only sorts and filters rows, reading what it shows from the page's own
 * text (textContent and data attributes, never as markup). Every string from a report is
 * escaped, in element text and in attributes alike. The clusters table's columns are
 * rep_cols.c's, shared with the Markdown summary.
 */
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char style[] =
    "body{font:14px/1.4 -apple-system,system-ui,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 6px;"
    "text-align:left;vertical-align:top}th{cursor:pointer;background:#f4f4f4}td.n{text-align:right}"
    "code{font:12px ui-monospace,monospace}details{margin:.6em 0;border:1px solid "
    "#ddd;padding:.4em .8em}"
    "summary{cursor:pointer;font-weight:600}ol.bt{font:12px ui-monospace,monospace}"
    "#filters label{margin-right:1em}.meta{color:#666}svg.spark rect{fill:#c33}";

/* the sorting and filtering; it never turns page text into markup */
static const char script[] =
    "(function(){var t=document.getElementById('clusters');if(!t)return;var tb=t.tBodies[0];"
    "var f=document.getElementById('filters');f.hidden=false;"
    "var fc=document.getElementById('f-class'),fb=document.getElementById('f-build'),"
    "fu=document.getElementById('f-culprit');"
    "function apply(){var r=tb.rows;for(var i=0;i<r.length;i++){var d=r[i].dataset;"
    "var ok=(!fc.value||d.cls===fc.value)&&(!fb.value||(' '+d.builds+' ').indexOf(' "
    "'+fb.value.trim()+' ')>=0)"
    "&&(!fu.value||d.culprit.toLowerCase().indexOf(fu.value.toLowerCase())>=0);r[i].hidden=!ok;}}"
    "fc.onchange=apply;fb.oninput=apply;fu.oninput=apply;"
    "var th=t.tHead.rows[0].cells;for(var "
    "k=0;k<th.length;k++)(function(k){th[k].onclick=function(){"
    "var rows=Array.prototype.slice.call(tb.rows),dir=th[k].dataset.dir==='asc'?-1:1;"
    "th[k].dataset.dir=dir>0?'asc':'desc';rows.sort(function(x,y){var a=x.cells[k].textContent,"
    "b=y.cells[k].textContent,na=parseFloat(a),nb=parseFloat(b);"
    "if(!isNaN(na)&&!isNaN(nb))return(na-nb)*dir;return a<b?-dir:a>b?dir:0;});"
    "rows.forEach(function(r){tb.appendChild(r);});};})(k);})();";

static void
esc(struct buf *b, const char *s, size_t max)
{
    rep_xml_text(b, s ? s : "-", max);
}

/* the builds as a space-separated attribute value */
static void
builds_attr(struct buf *b, const struct kpt_hist *h)
{
    size_t i;

    for (i = 0; i < h->n; i++) {
        buf_adds(b, i ? " " : "");
        esc(b, h->v[i].value, REP_CUT_TOKEN);
    }
}

static void
path(struct buf *b, const char *p)
{
    char *e = rep_lossless_enc(p ? p : "-");

    esc(b, e, REP_CUT_PAGE);
    free(e);
}

/* with a history: new reports per build over the trend's runs */
static void
build_trends(struct buf *b, const struct kpt_summary *s)
{
    const struct kpt_run_hist *h = s->hist;
    size_t i, k;

    if (!h || !h->nbuilds)
        return;
    buf_addf(b,
             "<h2>New reports per OS build, last %zu runs</h2>\n<table "
             "id=\"builds\"><thead><tr><th>OS build</th>"
             "<th>trend</th><th>per run</th></tr></thead><tbody>\n",
             h->ntrend);
    for (i = 0; i < h->nbuilds; i++) {
        buf_adds(b, "<tr><td>");
        esc(b, h->builds[i].build, REP_CUT_TOKEN);
        buf_adds(b, "</td><td>");
        rep_spark_svg(b, h->builds[i].trend, h->ntrend);
        buf_adds(b, "</td><td>");
        for (k = 0; k < h->ntrend; k++)
            buf_addf(b, "%s%zu", k ? " " : "", h->builds[i].trend[k]);
        buf_adds(b, "</td></tr>\n");
    }
    buf_adds(b, "</tbody></table>\n");
}

static int
cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* what b holds written out once it passes 1 MB (b emptied) */
static int
spill(FILE *f, struct buf *b)
{
    if (b->len <= (1u << 20))
        return 0;
    if (fwrite(b->data, 1, b->len, f) != b->len)
        return KPT_E_IO;
    buf_reset(b);
    return 0;
}

/* the page's head, title, and the run's counts */
static void
page_head(struct buf *b, const struct kpt_summary *s)
{
    buf_adds(b, REP_HEAD_HTML
             "\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
             "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n");
    buf_addf(b,
             "<title>kptrace-batch: %zu clusters from %zu "
             "reports</title>\n<style>%s</style></head><body>\n",
             s->nclusters, KPT_TOTAL(s), style);
    buf_addf(b, "<h1>Kernel panic triage</h1>\n<p class=\"meta\">kptrace-batch %s, signatures ",
             KPT_VERSION);
    esc(b, s->algo, REP_CUT_TOKEN);
    buf_adds(b, ", rules ");
    esc(b, s->rules, REP_CUT_TOKEN);
    buf_addf(b, "</p>\n<p id=\"counts\">%zu files: %zu ok, %zu partial, %zu rejected; %zu clusters",
             s->files, s->ok, s->partial, s->rejected, s->nclusters);
    if (s->skipped)
        buf_addf(b, "; %zu skipped (other kinds of report)", s->skipped);
    if (s->hang_reports)
        buf_addf(b, "; %zu hangs, %zu with a site", s->hang_reports, s->hang_keyed);
    buf_adds(b, ".</p>\n");
}

int
rep_html(FILE *f, const struct kpt_summary *s)
{
    struct buf b = BUF_INIT;
    const char **cls = xcalloc(s->nclusters + 1, sizeof(*cls));
    size_t i, ncls = 0;
    int ret;

    page_head(&b, s);
    if (s->nclusters) {
        buf_adds(&b, "<figure>");
        rep_plot_svg_buf(&b, s);
        buf_adds(&b, "</figure>\n");
    }
    if (s->hist) {
        buf_adds(&b, "<p id=\"history\">History ");
        esc(&b, s->hist->path, REP_CUT_TEXT);
        buf_addf(&b,
                 ": run %lld; %zu reports new to it, %zu recorded before, %zu distinct in all; "
                 "%zu NEW and %zu REGRESSED clusters.</p>\n",
                 (long long)s->hist->run_id, s->hist->reports_new, s->hist->reports_known,
                 s->hist->reports_ever, s->hist->clusters_new, s->hist->clusters_regressed);
        build_trends(&b, s);
    }
    for (i = 0; i < s->nclusters; i++)
        cls[ncls++] = s->clusters[i].panic_class ? s->clusters[i].panic_class : "-";
    qsort(cls, ncls, sizeof(*cls), cmp_str);
    buf_adds(&b, "<noscript><p>Sorting and filtering need scripts; everything else is here "
                 "without.</p></noscript>\n"
                 "<div id=\"filters\" hidden><label>class <select id=\"f-class\"><option "
                 "value=\"\">all</option>");
    for (i = 0; i < ncls; i++)
        if (!i || strcmp(cls[i], cls[i - 1])) {
            buf_adds(&b, "<option value=\"");
            esc(&b, cls[i], REP_CUT_NAME);
            buf_adds(&b, "\">");
            esc(&b, cls[i], REP_CUT_NAME);
            buf_adds(&b, "</option>");
        }
    buf_adds(&b, "</select></label><label>build <input id=\"f-build\" size=\"10\"></label>"
                 "<label>culprit <input id=\"f-culprit\" size=\"24\"></label></div>\n");
    buf_adds(&b, "<table id=\"clusters\"><thead><tr>");
    rep_cols_html_head(&b, s, rep_cluster_cols);
    buf_adds(&b, "</tr></thead><tbody>\n");
    for (i = 0; i < s->nclusters; i++) {
        const struct kpt_cluster *c = &s->clusters[i];

        buf_addf(&b, "<tr id=\"r-%s\" data-cls=\"", c->id_hex);
        esc(&b, c->panic_class, REP_CUT_NAME);
        buf_adds(&b, "\" data-builds=\"");
        builds_attr(&b, &c->builds);
        buf_adds(&b, "\" data-culprit=\"");
        rep_xml_text(&b, c->culprit ? c->culprit : "", REP_CUT_WIDE);
        buf_adds(&b, "\">");
        rep_cols_html_row(&b, s, i, rep_cluster_cols);
        buf_adds(&b, "</tr>\n");
        /* written as it goes, as the details below: the page is not held whole */
        if ((ret = spill(f, &b)) < 0)
            goto out;
    }
    buf_adds(&b, "</tbody></table>\n<h2>Clusters</h2>\n");
    for (i = 0; i < s->nclusters; i++) {
        rep_cluster_details(&b, s, i, 1);
        if ((ret = spill(f, &b)) < 0)
            goto out;
    }
    if (s->nrej) {
        buf_addf(&b, "<h2>Rejected files</h2>\n<ul>");
        for (i = 0; i < s->nrej; i++) {
            buf_adds(&b, "<li>");
            path(&b, s->rej[i].path);
            buf_adds(&b, ": ");
            esc(&b, s->rej[i].why, REP_CUT_TEXT);
            buf_adds(&b, "</li>");
        }
        buf_adds(&b, "</ul>\n");
    }
    buf_addf(&b, "<script>%s</script>\n</body></html>\n", script);
    ret = fwrite(b.data, 1, b.len, f) == b.len && !ferror(f) ? 0 : KPT_E_IO;
out:
    free(cls);
    buf_release(&b);
    return ret;
}
