/*
 * pipeline_report.c - a report's way after ingest: left out or not, symbolicated and signed
 * (the pure part, which a worker may do), then counted in the clusters and the summary and
 * its rows written (the consuming thread's part, in input order).
 */
#include <string.h>

#include "model/fields.h"
#include "driver/pipeline_int.h"
#include "cluster/clu.h"
#include "report/rep.h"
#include "symbolicate/sym.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/xalloc.h"

/* --since, --until, --build: 1 when r is left out */
static int
excluded(const struct kpt_opts *o, const struct kpt_report *r)
{
    size_t i;
    int found = !o->nbuilds;

    for (i = 0; i < o->nbuilds && r->os_build; i++)
        if (!strcmp(o->builds[i], r->os_build))
            found = 1;
    if (!found)
        return 1;
    if ((o->has_since || o->has_until) && !r->has_when)
        return 1;
    return (o->has_since && r->when < o->since) || (o->has_until && r->when >= o->until);
}

void
pipeline_mark(const struct kpt_opts *o, struct kpt_report *r)
{
    if (!KPT_READ(r) || !excluded(o, r))
        return;
    r->excluded = 1;
    if (!r->error)
        r->error = "left out by --since, --until or --build";
}

void
pipeline_sign(const struct run *run, struct arena *a, struct kpt_report *r, struct kpt_report *b)
{
    if (r->excluded) {
        sym_resolve(run->sym, a, r);
        clu_sign(run->rules, a, r);
    } else if (KPT_READ(r)) {
        sym_resolve(run->sym, a, r);
        if (run->cmp) { /* the other rule set first: the frames keep this run's marks */
            *b = *r;
            clu_sign(run->rules_b, a, b);
        }
        clu_sign(run->rules, a, r);
    }
}

static void
remember_rejected(struct run *run, const struct kpt_report *r)
{
    if (run->nrej >= KPT_REJECTED_LISTED) {
        run->sum.rej_unlisted++;
        return;
    }
    VEC_GROW(run->rej, run->nrej + 1, run->rej_cap);
    run->rej[run->nrej].path = xstrdup(r->path);
    run->rej[run->nrej].why = xstrdup(r->error ? r->error : "rejected");
    run->nrej++;
}

static void
account(struct run *run, struct kpt_report *r)
{
    kpt_fields_add(kpt_summary_fields, &run->sum, r);
    if (r->status == KPT_ST_REJECTED) {
        remember_rejected(run, r);
        if (!run->o->quiet)
            diag_report(r->path, r->error ? r->error : "rejected");
    }
}

/* the report's rows in the per-report CSV, the JSON and the state */
static void
write_rows(struct run *run, const struct kpt_report *r, int first)
{
    struct buf crow = BUF_INIT, jrow = BUF_INIT;

    if (run->out[OUT_RCSV].f || run->out[OUT_STATE].f)
        rep_reports_csv_row_buf(&crow, run->arena, r);
    if (run->out[OUT_JSON].f || run->out[OUT_STATE].f)
        rep_json_report_buf(&jrow, run->arena, r);
    if (run->out[OUT_RCSV].f && rep_write_text(run->out[OUT_RCSV].f, crow.data, crow.len) < 0)
        run->io_error = 1;
    if (run->out[OUT_JSON].f && (rep_json_sep(run->out[OUT_JSON].f, first) < 0 ||
                                 rep_write_text(run->out[OUT_JSON].f, jrow.data, jrow.len) < 0))
        run->io_error = 1;
    if (run->out[OUT_STATE].f &&
        rep_state_report(run->out[OUT_STATE].f, r->path, crow.data, jrow.data, first) < 0)
        run->io_error = 1;
    buf_release(&crow);
    buf_release(&jrow);
}

int
pipeline_consume(struct run *run, struct kpt_report *r, struct kpt_report *b, int is_signed)
{
    int first = run->sum.files == 0;

    r->seq = run->sum.files;
    if (run->pass == 1) {
        if (KPT_READ(r) && !excluded(run->o, r))
            sym_collect(run->sym, run->arena, r);
        else if (KPT_READ(r))
            sym_prepare(run->sym, run->arena, r); /* left out: its row still says its KDK */
        progress_tick(&run->progress, ++run->seen);
        return 0;
    }
    if (!is_signed)
        pipeline_sign(run, run->arena, r, b);
    if (!r->excluded && KPT_READ(r)) {
        clu_add(run->table, r);
        if (run->cmp)
            clu_compare_add(run->cmp, r, b);
    }
    account(run, r);
    pipeline_hist_add(run, r);
    write_rows(run, r, first);
    progress_tick(&run->progress, run->sum.files);
    return run->io_error ? KPT_E_IO : 0;
}

int
pipeline_report(struct run *run, struct kpt_report *r)
{
    struct kpt_report b;

    if (run->pass != 1)
        pipeline_mark(run->o, r);
    return pipeline_consume(run, r, &b, 0);
}
