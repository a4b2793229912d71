/*
 * rep_int.h - inside report/: JSON values shared by the JSON document and the state.
 *
 * Two ways to write a string: for display (made valid UTF-8; what --json prints) and
 * lossless (valid UTF-8 passes, '\' becomes "\\", any other byte "\xNN"; what a state keeps
 * so that a merge prints the bytes a run would).
 */
#ifndef KPT_REP_INT_H
#define KPT_REP_INT_H

#include <jansson.h>

#include "model/fields.h"
#include "model/model.h"
#include "util/buf.h"

/*
 * How much of a report's text each place shows: bytes of input, then an ellipsis
 * (rep_md_text(), rep_xml_text()). Named once; every writer cuts by these.
 */
#define REP_CUT_KEY 16    /* a key (hex digits) */
#define REP_CUT_WORD 40   /* a class, a build, a histogram's value in Markdown */
#define REP_CUT_TOKEN 64  /* a build or digest in an HTML attribute or line */
#define REP_CUT_NAME 80   /* a culprit bundle id (Markdown), a class (HTML), an id */
#define REP_CUT_CELL 160  /* a signature or site in a Markdown table cell */
#define REP_CUT_WIDE 200  /* an example's path or a reason in a cell; a culprit (HTML) */
#define REP_CUT_TITLE 255 /* a signature in a heading */
#define REP_CUT_TEXT 300  /* a message, path, frame or failure in a section */
#define REP_CUT_PAGE 400  /* a signature, path or frame on the HTML page */
#define REP_CUT_NOTE 600  /* a triage note; a message on the HTML page */
#define REP_CUT_ALL 4096  /* a chart's tooltip */

/* how each output of ours starts (rep_is_earlier_output() knows them by it) */
#define REP_HEAD_MD "# kptrace-batch summary"
#define REP_HEAD_JSON "{\"tool\":\"kptrace-batch\""
#define REP_HEAD_STATE "{\"kind\":\"" KPT_STATE_KIND "\""
#define REP_HEAD_HTML "<!DOCTYPE html>"
#define REP_HEAD_SVG "<svg xmlns="
/* rep_csv_heads() - the first ncols columns' names of the clusters and of the reports CSV,
 * each followed by a comma */
void rep_csv_heads(struct buf *clusters, struct buf *reports, size_t ncols);

json_t *rep_jstr(const char *s);             /* display; null for NULL */
json_t *rep_jhist(const struct kpt_hist *h); /* display: {"value": count, "(others)": n} */
char *rep_lossless_enc(const char *s);
/* rep_xml_text() - s escaped for XML/HTML text and attributes, at most max bytes */
void rep_xml_text(struct buf *b, const char *s, size_t max);
/* rep_md_lines(), rep_xml_lines() - text of several lines ('\n' between them, a multi-line
 * panic message), each escaped as rep_md_text() and rep_xml_text() do, at most max bytes in
 * all: in Markdown a hard line break then indent before each next line (a line that would
 * start a block, "# " "- " "1. " "> ", escaped), in HTML a <br> */
void rep_md_lines(struct buf *b, const char *s, size_t max, const char *indent);
void rep_xml_lines(struct buf *b, const char *s, size_t max);
/* rep_plot_svg_buf() - the top clusters' bar chart as one <svg> element */
void rep_plot_svg_buf(struct buf *b, const struct kpt_summary *s);
json_t *rep_lossless_str(const char *s); /* lossless; null for NULL (readers/ decodes it) */

/* rep_fields_json() - the fields of table t in obj, as an object (lossless: for a state) */
json_t *rep_fields_json(const struct kpt_field *t, const void *obj, int lossless);
/* rep_scalar_json() - scalar f of obj (model.h's tables) as --json shows it, or as a state
 * keeps it (state: lossless, times as numbers); texts formatted in a; null for a part */
json_t *rep_scalar_json(const struct kpt_scalar *f, const void *obj, int state, struct arena *a);

/*
 * One column of the clusters table, for the Markdown summary and the HTML page alike
 * (rep_cols.c): its header, its alignment (numbers right), how much text it shows, when it
 * shows, and its cell's value. Header, separator and rows come from rep_cluster_cols.
 */
struct rep_cell {
    struct buf *b;
    const struct kpt_summary *s;
    size_t i; /* the cluster */
    int html; /* the page's cell, else Markdown's */
    size_t cut;
};
struct rep_col {
    const char *head;
    int right;
    size_t cut_md, cut_html;
    int (*shown)(const struct kpt_summary *s, int html); /* NULL: always */
    void (*value)(const struct rep_cell *x);
};
extern const struct rep_col rep_cluster_cols[];
/* REP_CL() - a cell's cluster; rep_cell_text() - report text escaped for the cell's output
 * and cut (rep_cols.c), "-" for none */
#define REP_CL(x) (&(x)->s->clusters[(x)->i])
void rep_cell_text(const struct rep_cell *x, const char *s);

/*
 * Each cluster's details, for the Markdown summary and the HTML page alike (rep_details.c):
 * what they show, in which order, cut how; a histogram's first REP_DETAIL_VALUES values
 * in both (the rest counted, or marked), and a Markdown backtrace past REP_DETAIL_FOLD
 * frames folded.
 */
#define REP_DETAIL_VALUES 8
#define REP_DETAIL_FOLD 8
void rep_cluster_details(struct buf *b, const struct kpt_summary *s, size_t i, int html);
/* rep_site_of() - the site of a hang_sites value "HANG_ID site" */
const char *rep_site_of(const char *v);
void rep_cols_md_head(struct buf *b, const struct kpt_summary *s, const struct rep_col *t);
void rep_cols_md_row(struct buf *b, const struct kpt_summary *s, size_t i, const struct rep_col *t);
void rep_cols_html_head(struct buf *b, const struct kpt_summary *s, const struct rep_col *t);
void rep_cols_html_row(struct buf *b, const struct kpt_summary *s, size_t i,
                       const struct rep_col *t);
/* rep_md_head() - a Markdown table's header and separator: n headers, right[k] for numbers
 * (rep_escape.c) */
void rep_md_head(struct buf *b, const char *const *heads, const int *right, size_t n);
/* a histogram as "value ×n, ...": Markdown ("others ×k" for the rest), HTML ("…") */
void rep_md_hist(struct buf *b, const struct kpt_hist *h, size_t shown);
void rep_html_hist(struct buf *b, const struct kpt_hist *h, size_t shown);
/* part of whole as "12.5%", "-" when whole is 0 */
void rep_pct(struct buf *b, size_t part, size_t whole);
/* a time as kpt_time_text() gives it, "-" when there is none */
void rep_when(struct buf *b, int has, int64_t t, int local);

/* --history (rep_hist.c): a trend as eight-level blocks, and as a small inline SVG; a
 * cluster's state (NEW, REGRESSED, or its triage status); the Markdown header line; a
 * cluster's details' history (a Markdown line, the page's items); the JSON objects of a
 * cluster and of the run */
void rep_spark(struct buf *b, const size_t *v, size_t n);
void rep_spark_svg(struct buf *b, const size_t *v, size_t n);
const char *rep_hist_state(const struct kpt_cluster_hist *h);
void rep_md_history_header(struct buf *b, const struct kpt_summary *s);
void rep_md_history_cluster(struct buf *b, const struct kpt_summary *s, size_t i);
void rep_html_history_cluster(struct buf *b, const struct kpt_summary *s, size_t i);
json_t *rep_hist_cluster_json(const struct kpt_summary *s, size_t i);

/* what an item of an output is written from: cluster i of a run, or a report */
struct rep_src {
    const struct kpt_summary *s;
    size_t i;
    const struct kpt_report *r;
    struct arena *a; /* texts made for one record */
};
/*
 * An item of an object --json nests (a cluster's history, a report's hang): its key there,
 * its JSON value (NULL returned: left out), and its text (NULL: none) for the CSV column
 * that shows it. rep_items_json() - the object of table t's items.
 */
struct rep_item {
    const char *key; /* NULL ends a table */
    json_t *(*json)(const struct rep_src *x);
    void (*text)(const struct rep_src *x, struct buf *b);
};
json_t *rep_items_json(const struct rep_item *t, const struct rep_src *x);

/* a cluster's history, in --json's order (rep_hitems.c) */
enum rep_hist_item {
    REP_HI_FLAG,
    REP_HI_STATUS,
    REP_HI_NEW,
    REP_HI_TOTAL,
    REP_HI_FIRST,
    REP_HI_TREND,
    REP_HI_BUG,
    REP_HI_NOTE,
    REP_HI_MERGED,
    REP_HI_N
};
extern const struct rep_item rep_hist_items[REP_HI_N + 1];
/* a report's hung thread, in --json's order (rep_hang.c); null when the report is no hang */
enum rep_hang_item {
    REP_HG_STACKSHOT,
    REP_HG_SERVICE,
    REP_HG_PROCESS,
    REP_HG_PID,
    REP_HG_THREAD,
    REP_HG_THREAD_NAME,
    REP_HG_STATE,
    REP_HG_WHY,
    REP_HG_ID,
    REP_HG_SITE,
    REP_HG_NO_SITE,
    REP_HG_FRAMES,
    REP_HG_N
};
extern const struct rep_item rep_hang_items[REP_HG_N + 1];
/* rep_frame_json() - a frame as --json shows it (texts in a) */
json_t *rep_frame_json(struct arena *a, const struct kpt_frame *fm);
json_t *rep_hist_run_json(const struct kpt_summary *s);

#endif
