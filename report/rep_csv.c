/*
 * rep_csv.c - the clusters CSV and the per-report CSV (RFC 4180, CRLF line ends).
 *
 * Each CSV is one table of columns (cluster_cols, report_cols): a column shows a row of the
 * model's tables (a scalar, a histogram, a setting), named by that row's key, or carries a
 * name of its own; either way it may carry its own writer. The header and every record
 * are loops over the table, so a column is added, moved or renamed in one place. Every
 * cell goes through rep_csv_cell() (quoting, formula neutralising).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"
#include "util/xalloc.h"

enum {
    COL_HIST = 1, /* --history's: only in a run with one (the last columns, so that a reader
                     by position of older files is not moved) */
    COL_READ = 2, /* a report's: empty unless the report was read (KPT_READ) */
    COL_SET = 4,  /* an enum's: empty when the value is 0 (unknown) */
    COL_HELP = 8, /* listed by --help (the columns every version wrote) */
    COL_RUN = 16, /* a field of the run (kpt_summary_fields), not of the cluster */
};

struct csv_col {
    const char *name;            /* the header; NULL: the key of the row it shows */
    const struct kpt_scalar *sc; /* the scalar it shows, or NULL */
    const struct kpt_field *fd;  /* or the field it shows, or NULL */
    const struct rep_item *it;   /* or the item it shows (a cluster's history, a hang) */
    /* the cell's text into v (unquoted); NULL: the scalar's or field's own text */
    void (*cell)(const struct rep_src *x, const struct csv_col *c, struct buf *v);
    unsigned flags; /* COL_* */
};

static int
put(FILE *f, struct buf *b)
{
    size_t n = b->len;

    if (n && fwrite(b->data, 1, n, f) != n)
        return KPT_E_IO;
    buf_reset(b);
    return ferror(f) ? KPT_E_IO : 0;
}

static void
cell(struct buf *b, const char *s, int last)
{
    rep_csv_cell(b, s ? s : "");
    buf_adds(b, last ? "\r\n" : ",");
}

static const char *
col_name(const struct csv_col *c)
{
    return c->name ? c->name : c->sc ? c->sc->key : c->fd ? c->fd->name : c->it->key;
}

/* ---- a model row's own text ---- */

static int
flag_at(const void *obj, size_t off)
{
    return *((const unsigned char *)obj + off) != 0;
}

/* a scalar of obj as a cell shows it: empty for none */
static void
scalar_text(const struct kpt_scalar *f, const void *obj, struct arena *a, struct buf *v)
{
    const void *p = (const char *)obj + f->off;
    const char *s = NULL;

    switch (f->type) {
    case KPT_SC_STR:
    case KPT_SC_KEY: s = *(const char *const *)p; break;
    case KPT_SC_COUNT: buf_addf(v, "%zu", *(const size_t *)p); break;
    case KPT_SC_TIME:
        if (flag_at(obj, f->aux))
            s = kpt_time_text(a, *(const int64_t *)p, flag_at(obj, f->aux2));
        break;
    case KPT_SC_ENUM: s = f->name(*(const int *)p); break;
    case KPT_SC_UUID:
        if (flag_at(obj, f->aux))
            s = kpt_uuid_text(a, p);
        break;
    case KPT_SC_SEQ:
    case KPT_SC_I64:
    case KPT_SC_FLAG:
    case KPT_SC_INT:
    case KPT_SC_ADDR:
    case KPT_SC_STRS:
    case KPT_SC_SEQS:
    case KPT_SC_PART: KPT_BUG("scalar '%s' has no CSV text of its own", f->key);
    }
    if (s)
        buf_adds(v, s);
}

/* a histogram as "value=count;...;others=n" */
static void
hist_text(const struct kpt_hist *h, struct buf *v)
{
    size_t i;

    for (i = 0; i < h->n; i++)
        buf_addf(v, "%s%s=%zu", i ? ";" : "", h->v[i].value, h->v[i].count);
    if (h->other)
        buf_addf(v, "%sothers=%zu", h->n ? ";" : "", h->other);
}

static void
field_text(const struct kpt_field *f, const void *obj, struct buf *v)
{
    const void *p = kpt_field_cptr(f, obj);

    if (f->type == KPT_FT_HIST)
        hist_text(p, v);
    else if (f->type == KPT_FT_STR && *(const char *const *)p)
        buf_adds(v, *(const char *const *)p);
    else if (f->type != KPT_FT_STR)
        KPT_BUG("field '%s' has no CSV text of its own", f->name);
}

/* ---- the clusters' own writers ---- */

static const struct kpt_cluster *
cl(const struct rep_src *x)
{
    return &x->s->clusters[x->i];
}

static void
w_rank(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    (void)c;
    buf_addf(v, "%zu", x->i + 1);
}

static void
w_share(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    size_t total = KPT_TOTAL(x->s);

    (void)c;
    buf_addf(v, "%.4f", total ? (double)cl(x)->count / (double)total : 0.0);
}

/* the first example, as every output shows a path */
static void
w_example(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    char *e = rep_lossless_enc(cl(x)->nexamples ? cl(x)->examples[0] : "");

    (void)c;
    buf_adds(v, e);
    free(e);
}

/* how many distinct values a histogram has ('>' past its bound) */
static void
w_distinct(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    const struct kpt_hist *h = kpt_field_cptr(c->fd, cl(x));

    buf_addf(v, "%s%zu", h->other ? ">" : "", h->n);
}

static void
w_owner(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    (void)c;
    if (cl(x)->culprit)
        buf_adds(v, kpt_culprit_owner(cl(x)->culprit));
}

static void
w_base_status(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    char tmp[32];

    (void)c;
    if (x->s->base)
        buf_adds(v, rep_baseline_status(x->s->base, cl(x), tmp));
}

static void
w_base_count(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    const struct kpt_base_entry *e =
        x->s->base ? rep_baseline_find(x->s->base, cl(x)->id_hex) : NULL;

    (void)c;
    if (e)
        buf_addf(v, "%zu", e->count);
}

/* --history's: the cluster's state (NEW, REGRESSED, or its triage status) */
static void
w_state(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    (void)c;
    buf_adds(v, rep_hist_state(&x->s->hist->clusters[x->i]));
}

/* an item of a nested object (rep_hist_items, rep_hang_items), as text */
static void
w_item(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    c->it->text(x, v);
}

#define SC(id) &kpt_cluster_scalars[id]
#define FD(id) &kpt_cluster_fields[id]
#define SF(id) &kpt_summary_fields[id]
#define HI(id) &rep_hist_items[id]

static const struct csv_col cluster_cols[] = {
    { NULL, SC(KPT_CS_RANK), NULL, NULL, w_rank, 0 },
    { NULL, SC(KPT_CS_ID), NULL, NULL, NULL, 0 },
    { NULL, SC(KPT_CS_COUNT), NULL, NULL, NULL, 0 },
    { "share", NULL, NULL, NULL, w_share, 0 },
    { NULL, SC(KPT_CS_SIGNATURE), NULL, NULL, NULL, 0 },
    { NULL, SC(KPT_CS_CLASS), NULL, NULL, NULL, 0 },
    { NULL, SC(KPT_CS_CULPRIT), NULL, NULL, NULL, 0 },
    { NULL, SC(KPT_CS_FIRST_SEEN), NULL, NULL, NULL, 0 },
    { NULL, SC(KPT_CS_LAST_SEEN), NULL, NULL, NULL, 0 },
    { NULL, NULL, FD(KPT_CF_BUILDS), NULL, NULL, 0 },
    { NULL, NULL, FD(KPT_CF_MODELS), NULL, NULL, 0 },
    { NULL, NULL, FD(KPT_CF_FORMATS), NULL, NULL, 0 },
    { NULL, NULL, SF(KPT_SF_ALGO), NULL, NULL, COL_RUN },
    { NULL, NULL, SF(KPT_SF_RULES), NULL, NULL, COL_RUN },
    { "example", SC(KPT_CS_EXAMPLES), NULL, NULL, w_example, 0 },
    { NULL, SC(KPT_CS_COARSE_ID), NULL, NULL, NULL, 0 },
    { NULL, SC(KPT_CS_COARSE), NULL, NULL, NULL, 0 },
    { NULL, NULL, FD(KPT_CF_FINE_KEYS), NULL, w_distinct, 0 },
    { NULL, NULL, FD(KPT_CF_QUALITIES), NULL, NULL, 0 },
    { NULL, NULL, FD(KPT_CF_CULPRIT_VERSIONS), NULL, NULL, 0 },
    { NULL, SC(KPT_CS_BASE_STATUS), NULL, NULL, w_base_status, 0 },
    { NULL, SC(KPT_CS_BASE_COUNT), NULL, NULL, w_base_count, 0 },
    { NULL, NULL, FD(KPT_CF_HANG_SITES), NULL, w_distinct, 0 },
    { NULL, SC(KPT_CS_OWNER), NULL, NULL, w_owner, 0 },
    { NULL, SC(KPT_CS_HISTORY), NULL, NULL, w_state, COL_HIST },
    { NULL, NULL, NULL, HI(REP_HI_NEW), w_item, COL_HIST },
    { NULL, NULL, NULL, HI(REP_HI_TOTAL), w_item, COL_HIST },
    { "history_first_seen", NULL, NULL, HI(REP_HI_FIRST), w_item, COL_HIST },
    { NULL, NULL, NULL, HI(REP_HI_TREND), w_item, COL_HIST },
    { "triage_status", NULL, NULL, HI(REP_HI_STATUS), w_item, COL_HIST },
    { NULL, NULL, NULL, HI(REP_HI_BUG), w_item, COL_HIST },
    { NULL, NULL, NULL, HI(REP_HI_NOTE), w_item, COL_HIST },
    { NULL, NULL, NULL, HI(REP_HI_MERGED), w_item, COL_HIST },
    { NULL, NULL, NULL, NULL, NULL, 0 },
};

#undef SC

/* ---- the reports' own writers ---- */

/* not UTF-8: \xNN, so that names stay apart */
static void
w_path(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    char *e = rep_lossless_enc(x->r->path);

    (void)c;
    buf_adds(v, e);
    free(e);
}

static void
w_frames(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    (void)c;
    buf_adds(v, kpt_frames_joined(x->a, x->r));
}

static void
w_resolved(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    (void)c;
    buf_addf(v, "%zu", x->r->nresolved);
}

/* a hang's site; a hang without one says why in brackets */
static void
w_hang(const struct rep_src *x, const struct csv_col *c, struct buf *v)
{
    const struct kpt_hang *h = x->r->hang;

    (void)c;
    if (h && h->hang_id)
        buf_adds(v, h->site ? h->site : "");
    else if (h)
        buf_addf(v, "(%s)", h->site_why ? h->site_why : h->why);
}

#define SC(id) &kpt_report_scalars[id]
#define HG(id) &rep_hang_items[id]

static const struct csv_col report_cols[] = {
    { NULL, SC(KPT_RS_PATH), NULL, NULL, w_path, COL_HELP },
    { NULL, SC(KPT_RS_STATUS), NULL, NULL, NULL, COL_HELP },
    { NULL, SC(KPT_RS_FORMAT), NULL, NULL, NULL, COL_HELP | COL_READ },
    { NULL, SC(KPT_RS_ARCH), NULL, NULL, NULL, COL_HELP | COL_READ | COL_SET },
    { NULL, SC(KPT_RS_OS_BUILD), NULL, NULL, NULL, COL_HELP },
    { NULL, SC(KPT_RS_KERNEL_UUID), NULL, NULL, NULL, COL_HELP },
    { NULL, SC(KPT_RS_CLASS), NULL, NULL, NULL, COL_HELP | COL_READ },
    { NULL, SC(KPT_RS_ID), NULL, NULL, NULL, COL_HELP | COL_READ },
    { NULL, SC(KPT_RS_SIGNATURE), NULL, NULL, NULL, COL_HELP | COL_READ },
    { NULL, SC(KPT_RS_FRAMES), NULL, NULL, w_frames, COL_HELP | COL_READ },
    { "symbolicated", NULL, NULL, NULL, w_resolved, COL_HELP | COL_READ },
    { NULL, SC(KPT_RS_ERROR), NULL, NULL, NULL, COL_HELP },
    { NULL, SC(KPT_RS_QUALITY), NULL, NULL, NULL, COL_READ },
    { NULL, SC(KPT_RS_COARSE_ID), NULL, NULL, NULL, COL_READ },
    { NULL, SC(KPT_RS_FINE_ID), NULL, NULL, NULL, COL_READ },
    { NULL, SC(KPT_RS_PANIC_SOURCE), NULL, NULL, NULL, 0 },
    { NULL, NULL, NULL, HG(REP_HG_ID), w_item, COL_READ },
    { NULL, SC(KPT_RS_HANG), NULL, NULL, w_hang, COL_READ },
    { NULL, NULL, NULL, NULL, NULL, 0 },
};

#undef SC
#undef FD
#undef SF
#undef HI
#undef HG

/* ---- the walks ---- */

static int
col_shown(const struct csv_col *c, const struct kpt_summary *s)
{
    return !(c->flags & COL_HIST) || (s && s->hist);
}

/* the header of table t (s: the run, for the clusters' --history columns) */
static void
header(struct buf *b, const struct csv_col *t, const struct kpt_summary *s)
{
    int first = 1;

    for (; t->sc || t->fd || t->it || t->name; t++) {
        if (!col_shown(t, s))
            continue;
        buf_adds(b, first ? "" : ",");
        buf_adds(b, col_name(t));
        first = 0;
    }
    buf_adds(b, "\r\n");
}

/* column t's text from x into v: its writer's, or its row's; obj is what a cluster's or a
 * report's rows are read from */
static void
cell_text(const struct csv_col *t, const struct rep_src *x, const void *obj, struct buf *v)
{
    if ((t->flags & COL_READ) && x->r && !KPT_READ(x->r))
        return;
    if (t->cell)
        t->cell(x, t, v);
    else if (t->fd)
        field_text(t->fd, t->flags & COL_RUN ? (const void *)x->s : obj, v);
    else if (!(t->flags & COL_SET) || *(const int *)((const char *)obj + t->sc->off))
        scalar_text(t->sc, obj, x->a, v);
}

/* one record of table t from x */
static void
record(struct buf *b, const struct csv_col *t, const struct rep_src *x, const void *obj)
{
    struct buf v = BUF_INIT;
    int first = 1;

    for (; t->sc || t->fd || t->it || t->name; t++) {
        if (!col_shown(t, x->s))
            continue;
        buf_reset(&v);
        cell_text(t, x, obj, &v);
        buf_adds(b, first ? "" : ",");
        rep_csv_cell(b, v.data);
        first = 0;
    }
    buf_adds(b, "\r\n");
    buf_release(&v);
}

int
rep_clusters_csv(FILE *f, const struct kpt_summary *s)
{
    struct buf b = BUF_INIT;
    struct rep_src x = { s, 0, NULL, arena_new(4096) };
    int ret;

    header(&b, cluster_cols, s);
    for (x.i = 0; x.i < s->nclusters; x.i++) {
        record(&b, cluster_cols, &x, &s->clusters[x.i]);
        if ((ret = put(f, &b)) < 0)
            goto out;
        arena_clear(x.a);
    }
    ret = put(f, &b);
out:
    arena_free(x.a);
    buf_release(&b);
    return ret;
}

int
rep_reports_csv_header(FILE *f)
{
    struct buf b = BUF_INIT;
    int ret;

    header(&b, report_cols, NULL);
    ret = put(f, &b);
    buf_release(&b);
    return ret;
}

void
rep_reports_csv_row_buf(struct buf *b, struct arena *a, const struct kpt_report *r)
{
    struct rep_src x = { NULL, 0, r, a };

    record(b, report_cols, &x, r);
}

/* --help's lines: at most this wide, continued under its options' text */
#define HELP_WIDTH 88
#define HELP_INDENT 27

void
rep_reports_csv_help(FILE *f, size_t col)
{
    const struct csv_col *t;
    int first = 1;

    for (t = report_cols; t->sc || t->fd || t->it || t->name; t++) {
        size_t n = strlen(col_name(t)) + 1; /* and its comma */

        if (!(t->flags & COL_HELP))
            continue;
        if (!first && col + n > HELP_WIDTH) {
            fprintf(f, ",\n%*s", HELP_INDENT, "");
            col = HELP_INDENT;
        } else if (!first) {
            fputc(',', f);
        }
        fputs(col_name(t), f);
        col += n;
        first = 0;
    }
}

void
rep_csv_heads(struct buf *clusters, struct buf *reports, size_t ncols)
{
    const struct csv_col *t;
    size_t k;

    for (t = cluster_cols, k = 0; k < ncols && (t->sc || t->fd || t->it || t->name); t++, k++)
        buf_addf(clusters, "%s,", col_name(t));
    for (t = report_cols, k = 0; k < ncols && (t->sc || t->fd || t->it || t->name); t++, k++)
        buf_addf(reports, "%s,", col_name(t));
}

void
rep_csv_row_buf(struct buf *b, const struct strv *cells)
{
    size_t i;

    for (i = 0; i < cells->n; i++)
        cell(b, cells->v[i], i + 1 == cells->n);
}

int
rep_write_text(FILE *f, const char *s, size_t n)
{
    return (n && fwrite(s, 1, n, f) != n) || ferror(f) ? KPT_E_IO : 0;
}
