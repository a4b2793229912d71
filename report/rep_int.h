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

#include "model/model.h"
#include "util/buf.h"

json_t *rep_jstr(const char *s);             /* display; null for NULL */
json_t *rep_jhist(const struct kpt_hist *h); /* display: {"value": count, "(others)": n} */
char *rep_lossless_enc(const char *s);
/* rep_xml_text() - s escaped for XML/HTML text and attributes, at most max bytes */
void rep_xml_text(struct buf *b, const char *s, size_t max);
/* rep_plot_svg_buf() - the top clusters' bar chart as one <svg> element */
void rep_plot_svg_buf(struct buf *b, const struct kpt_summary *s);
json_t *rep_lossless_str(const char *s); /* lossless; null for NULL (readers/ decodes it) */

/* rep_fields_json() - the fields of table t in obj, as an object (lossless: for a state) */
json_t *rep_fields_json(const struct kpt_field *t, const void *obj, int lossless);
/* rep_scalar_json() - scalar f of obj (model.h's tables) as --json shows it, or as a state
 * keeps it (state: lossless, times as numbers); texts formatted in a; null for a part */
json_t *rep_scalar_json(const struct kpt_scalar *f, const void *obj, int state, struct arena *a);

/* --history (rep_hist.c): a trend as eight-level blocks, and as a small inline SVG; a
 * cluster's state (NEW, REGRESSED, or its triage status); the Markdown header line, table
 * cells and section line; the JSON objects of a cluster and of the run */
void rep_spark(struct buf *b, const size_t *v, size_t n);
void rep_spark_svg(struct buf *b, const size_t *v, size_t n);
const char *rep_hist_state(const struct kpt_cluster_hist *h);
void rep_md_history_header(struct buf *b, const struct kpt_summary *s);
void rep_md_history_cells(struct buf *b, const struct kpt_summary *s, size_t i);
void rep_md_history_cluster(struct buf *b, const struct kpt_summary *s, size_t i);
json_t *rep_hist_cluster_json(const struct kpt_summary *s, size_t i);
json_t *rep_hist_run_json(const struct kpt_summary *s);

#endif
