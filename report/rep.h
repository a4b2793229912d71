/*
 * rep.h - report: the Markdown summary, the CSVs, the JSON document, the HTML page, the
 * chart and the mergeable state. report/ only writes: what it reads back (states,
 * baselines) is readers/'s.
 *
 * Every string that came from a report is untrusted: it is made valid UTF-8 and escaped for
 * the output it lands in (Markdown: no table, code span or HTML can be opened by it; CSV:
 * RFC 4180 quoting, and a cell starting with = + - @ or a tab is neutralised with a leading
 * apostrophe so that no spreadsheet evaluates it; JSON: jansson's escaping).
 * Writers return 0, or KPT_E_IO when the stream reports an error.
 */
#ifndef KPT_REP_H
#define KPT_REP_H

#include <stdio.h>

#include "model/model.h"
#include "util/buf.h"

/* rep_utf8() - append s to out with every invalid UTF-8 sequence replaced by U+FFFD. */
void rep_utf8(struct buf *out, const char *s);
/* rep_md_text() - append s escaped for Markdown text and table cells, at most max bytes of
 * input (longer input is cut on a character boundary and marked with an ellipsis). */
void rep_md_text(struct buf *out, const char *s, size_t max);
/* rep_path_shown() - append path as every output shows it (the reports CSV's cell before
 * its quoting): bytes that are no UTF-8 and '\' in the lossless form, control and
 * direction characters but tab and line ends as \xNN or \uNNNN */
void rep_path_shown(struct buf *out, const char *path);
/* rep_csv_cell() - append s as one RFC 4180 cell, neutralised against formulas. */
void rep_csv_cell(struct buf *out, const char *s);

int rep_markdown(FILE *f, const struct kpt_summary *s);

const struct kpt_base_entry *rep_baseline_find(const struct kpt_baseline *b, const char *id);
/* "NEW", "SAME", or the count change "+3" / "-2" (in out) */
const char *rep_baseline_status(const struct kpt_baseline *b, const struct kpt_cluster *c,
                                char out[32]);

/* rep_plot_svg() - a bar chart of the top clusters */
int rep_plot_svg(FILE *f, const struct kpt_summary *s);
/* rep_html() - the summary as one self-contained HTML page (--html) */
int rep_html(FILE *f, const struct kpt_summary *s);
int rep_clusters_csv(FILE *f, const struct kpt_summary *s);

/* rep_triage_record() - one cluster's triage record (kptrace-batch triage);
 * rep_trend_table() - the history's runs and trends (kptrace-batch history) */
int rep_triage_record(FILE *f, const struct kpt_trend_row *r);
int rep_trend_table(FILE *f, const struct kpt_trend_table *t);

/* Per-report rows are rendered into a buffer (so that a state can keep them as they are
 * printed) and streamed as reports arrive; 'a' is the report's arena. */
int rep_reports_csv_header(FILE *f);
void rep_reports_csv_row_buf(struct buf *b, struct arena *a, const struct kpt_report *r);
int rep_json_begin(FILE *f);
void rep_json_report_buf(struct buf *b, struct arena *a, const struct kpt_report *r);
int rep_json_sep(FILE *f, int first); /* ",\n" between report objects */
int rep_json_end(FILE *f, const struct kpt_summary *s);
int rep_write_text(FILE *f, const char *s, size_t n);

/* rep_reports_csv_help() - the reports CSV's first columns (those every version wrote),
 * comma-separated, for --help: from column col of a line, wrapped at the help's width with
 * its options' text indent */
void rep_reports_csv_help(FILE *f, size_t col);

/*
 * rep_is_earlier_output() - whether a file starting with the n bytes at head (read up to
 * REP_HEAD_BYTES; an empty file is nobody's) is an output this tool writes: the Markdown
 * summary, either CSV, the JSON, the state, the page or the chart. Only report/ knows what
 * its outputs look like.
 */
#define REP_HEAD_BYTES 64
int rep_is_earlier_output(const char *head, size_t n);

/* The mergeable state (--emit-state; readers/ reads it back for merge). */
int rep_state_begin(FILE *f);
int rep_state_report(FILE *f, const char *path, const char *csv, const char *json, int first);
int rep_state_end(FILE *f, const struct kpt_summary *s);
/* rep_csv_row_buf() - cells as one row of a CSV this tool writes (each re-quoted and
 * neutralised, CRLF): a state's row as merge prints it again */
void rep_csv_row_buf(struct buf *b, const struct strv *cells);

#endif
