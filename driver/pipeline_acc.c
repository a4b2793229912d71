/*
 * pipeline_acc.c - the accumulator: what the reports of a run (or a merge) add up to, on
 * the consuming thread, in input order. The outputs are opened and their headers written
 * before the first report; each report is counted (the count's take()), then consumed: the
 * history's row and the per-report CSV, JSON and state rows written (pipeline_consumed(),
 * merge's way too); at the end the summary outputs are written and committed.
 *
 * Outputs are written to a temporary file beside their destination and renamed at the
 * end, so a summary is never half-written (util/outfile.c, which also removes them when the
 * run is interrupted); the per-report CSV and JSON rows are streamed.
 */
#include <stdlib.h>
#include <string.h>

#include "model/fields.h"
#include "driver/pipeline_int.h"
#include "cluster/clu.h"
#include "readers/rd.h"
#include "report/rep.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/outcommit.h"
#include "util/outfile.h"
#include "util/xalloc.h"

static int
cmp_rej(const void *x, const void *y)
{
    return strcmp(((const struct kpt_rejected *)x)->path, ((const struct kpt_rejected *)y)->path);
}

/* --baseline: the earlier run's clusters; another algorithm is refused */
static int
load_baseline(const char *path, struct kpt_baseline *base)
{
    struct buf err = BUF_INIT;
    int ret = rd_baseline_load(path, base, &err);

    if (ret < 0) {
        diag_printf("--baseline: %s", err.data);
    } else if (base->algo && strcmp(base->algo, CLU_ALGO)) {
        diag_printf("--baseline: made with %s, this run is %s: keys are not comparable (an alias "
                    "table would be needed)",
                    base->algo, CLU_ALGO);
        ret = KPT_E_FORMAT;
    }
    buf_release(&err);
    return ret;
}

static int
open_outputs(struct run_acc *acc)
{
    const struct kpt_opts *o = acc->o;
    const char *paths[OUT_N];
    struct buf err = BUF_INIT;
    size_t i;
    int ret = 0;

    paths[OUT_MD] = o->output; /* NULL: standard output */
    paths[OUT_CSV] = o->csv;
    paths[OUT_RCSV] = o->reports_csv;
    paths[OUT_JSON] = o->json;
    paths[OUT_PLOT] = o->plot;
    paths[OUT_HTML] = o->html;
    paths[OUT_STATE] = o->state;
    for (i = 0; i < OUT_N && !ret; i++)
        if ((i == OUT_MD || paths[i]) && outfile_open(&acc->out[i], paths[i], &err) < 0)
            ret = KPT_E_IO;
    diag_lines(err.data); /* util/ returns the reason; the driver prints it */
    buf_release(&err);
    return ret;
}

int
pipeline_acc_start(struct run_acc *acc)
{
    const struct kpt_opts *o = acc->o;
    int ret;

    if (o->baseline) {
        if ((ret = load_baseline(o->baseline, &acc->base)) < 0)
            return ret;
        acc->sum.base = &acc->base;
    }
    if ((ret = open_outputs(acc)) < 0)
        return ret;
    if ((acc->out[OUT_RCSV].f && rep_reports_csv_header(acc->out[OUT_RCSV].f) < 0) ||
        (acc->out[OUT_JSON].f && rep_json_begin(acc->out[OUT_JSON].f) < 0) ||
        (acc->out[OUT_STATE].f && rep_state_begin(acc->out[OUT_STATE].f) < 0))
        acc->io_error = 1;
    return pipeline_hist_start(acc, o->merge ? "merge" : "run");
}

static void
remember_rejected(struct run_acc *acc, const struct kpt_report *r)
{
    if (acc->nrej >= KPT_REJECTED_LISTED) {
        acc->sum.rej_unlisted++;
        return;
    }
    VEC_GROW(acc->rej, acc->nrej + 1, acc->rej_cap);
    acc->rej[acc->nrej].path = xstrdup(r->path);
    acc->rej[acc->nrej].why = xstrdup(r->error ? r->error : "rejected");
    acc->nrej++;
}

int
pipeline_consumed(struct run_acc *acc, struct arena *a, const struct kpt_report *r,
                  const char *path, const struct buf *crow, const char *jrow, int first)
{
    FILE *rcsv = acc->out[OUT_RCSV].f, *json = acc->out[OUT_JSON].f, *st = acc->out[OUT_STATE].f;

    if (r)
        pipeline_hist_add(acc, a, r);
    if ((rcsv && rep_write_text(rcsv, crow->data, crow->len) < 0) ||
        (json && (rep_json_sep(json, first) < 0 || rep_write_text(json, jrow, strlen(jrow)) < 0)) ||
        (st && rep_state_report(st, path, crow->data, jrow, first) < 0))
        acc->io_error = 1;
    return acc->io_error ? KPT_E_IO : 0;
}

int
pipeline_count_take(const struct pipeline_stage *stage, struct arena *a, struct kpt_report *r,
                    struct kpt_report *b, int is_signed)
{
    struct run_acc *acc = stage->sink;
    struct buf crow = BUF_INIT, jrow = BUF_INIT;
    int first = acc->sum.files == 0, ret;

    r->seq = acc->sum.files;
    if (!is_signed)
        pipeline_sign(stage->cx, a, r, b);
    if (!r->excluded && KPT_READ(r)) {
        clu_add(acc->table, r);
        if (acc->cmp)
            clu_compare_add(acc->cmp, r, b);
    }
    kpt_fields_add(kpt_summary_fields, &acc->sum, r);
    if (r->status == KPT_ST_REJECTED) {
        remember_rejected(acc, r);
        if (!acc->o->quiet)
            diag_report(r->path, r->error ? r->error : "rejected");
    }
    /* the report's rows in the per-report CSV, the JSON and the state */
    if (acc->out[OUT_RCSV].f || acc->out[OUT_STATE].f)
        rep_reports_csv_row_buf(&crow, a, r);
    if (acc->out[OUT_JSON].f || acc->out[OUT_STATE].f)
        rep_json_report_buf(&jrow, a, r);
    ret = pipeline_consumed(acc, a, r, r->path, &crow, jrow.data, first);
    buf_release(&crow);
    buf_release(&jrow);
    progress_tick(&acc->progress, acc->sum.files);
    return ret;
}

/* the end of a run or a merge: the summary-level outputs */
static void
write_summary(struct run_acc *acc)
{
    struct outfile *out = acc->out;

    if (!acc->io_error && ((out[OUT_MD].f && rep_markdown(out[OUT_MD].f, &acc->sum) < 0) ||
                           (out[OUT_CSV].f && rep_clusters_csv(out[OUT_CSV].f, &acc->sum) < 0) ||
                           (out[OUT_JSON].f && rep_json_end(out[OUT_JSON].f, &acc->sum) < 0) ||
                           (out[OUT_PLOT].f && rep_plot_svg(out[OUT_PLOT].f, &acc->sum) < 0) ||
                           (out[OUT_HTML].f && rep_html(out[OUT_HTML].f, &acc->sum) < 0)))
        acc->io_error = 1;
    if (!acc->io_error && out[OUT_STATE].f) {
        struct kpt_summary st = acc->sum;

        if (acc->unjoined)
            st.clusters = clu_table_result(acc->unjoined, &st.nclusters);
        if (rep_state_end(out[OUT_STATE].f, &st) < 0)
            acc->io_error = 1;
    }
}

/* a copy whose kext list was cut is shown under its one named twin (clu_join.c): in the
 * run's summaries, and the history records it there (pipeline_hist_annotate()); its report
 * rows and its state keep each report's own key (a merge of states joins again, over all of
 * them) */
static void
join_cut_copies(struct run_acc *acc)
{
    struct clu_table *j = clu_join_cut(acc->table, &acc->njoins, &acc->joins);

    if (j) {
        acc->unjoined = acc->table;
        acc->table = j;
    }
    acc->sum.clusters = clu_table_result(acc->table, &acc->sum.nclusters);
}

/* outfile_commit()'s decision: the history's rows (written before the renames), committed */
static int
commit_history(void *ctx)
{
    struct run_acc *acc = ctx;

    if (pipeline_hist_commit(acc) < 0) {
        diag_printf("the history was not written");
        return KPT_E_IO;
    }
    return 0;
}

int
pipeline_acc_finish(struct run_acc *acc, int *ok)
{
    size_t i;

    /* the rejected inputs listed, by path */
    if (acc->nrej > 1)
        qsort(acc->rej, acc->nrej, sizeof(*acc->rej), cmp_rej);
    acc->sum.rej = acc->rej;
    acc->sum.nrej = acc->nrej;
    if (acc->hist_error) { /* the history's error said, not the outputs' */
        diag_printf("the history was not written: nothing was replaced");
        *ok = 0;
        return KPT_EXIT_START;
    }
    join_cut_copies(acc);
    if (!acc->io_error && pipeline_hist_annotate(acc) < 0) {
        *ok = 0;
        return KPT_EXIT_START;
    }
    write_summary(acc);
    /* every output flushed before any is renamed into place: all or nothing */
    for (i = 0; i < OUT_N; i++)
        if (outfile_flush(&acc->out[i]) < 0)
            acc->io_error = 1;
    if (acc->io_error) {
        diag_printf("writing the outputs failed (disk full?): nothing was replaced");
        *ok = 0;
        return KPT_EXIT_START;
    }
    /* the history's rows written in its open transaction: a wait for another writer's lock
     * ends here, before any output is renamed */
    if (pipeline_hist_write(acc) < 0) {
        diag_printf("the history was not written: nothing was replaced");
        *ok = 0;
        return KPT_EXIT_START;
    }
    /* under the outputs' lock, one decision: every output renamed into place, then the
     * history's commit; a rename, a signal or the history failing puts every output back
     * and records nothing (util/outcommit.h) */
    {
        struct buf err = BUF_INIT;
        int failed;

        acc->lock = outfile_lock(acc->out, OUT_N, &err);
        acc->has_lock = 1;
        failed = acc->lock == OUTFILE_LOCK_TIMEOUT ||
                 outfile_commit(acc->out, OUT_N, commit_history, acc, &err) < 0;
        diag_lines(err.data);
        buf_release(&err);
        if (failed) {
            *ok = 0;
            return KPT_EXIT_START;
        }
    }
    return acc->sum.rejected ? KPT_EXIT_REJECTED : KPT_EXIT_OK;
}

static int
close_outputs(struct run_acc *acc, int ok)
{
    size_t i;
    struct buf err = BUF_INIT;
    int ret = 0, lock = acc->has_lock ? acc->lock
                        : ok          ? outfile_lock(acc->out, OUT_N, &err)
                                      : OUTFILE_NO_LOCK;

    if (lock == OUTFILE_LOCK_TIMEOUT) { /* held too long by another: nothing is replaced */
        ok = 0;
        ret = KPT_E_IO;
    }
    acc->has_lock = 0;
    /* the renames under the lock: another run on these outputs commits before or after */
    for (i = 0; i < OUT_N; i++)
        if (outfile_close(&acc->out[i], ok, &err) < 0)
            ret = KPT_E_IO;
    outfile_unlock(lock);
    diag_lines(err.data);
    buf_release(&err);
    return ret;
}

static void
acc_release(struct run_acc *acc)
{
    size_t i;

    for (i = 0; i < acc->nrej; i++) {
        free(acc->rej[i].path);
        free(acc->rej[i].why);
    }
    free(acc->rej);
    acc->rej = NULL;
    acc->nrej = 0;
    clu_table_free(acc->table);
    acc->table = NULL;
    clu_table_free(acc->unjoined);
    acc->unjoined = NULL;
    free(acc->joins);
    acc->joins = NULL;
    acc->njoins = 0;
    clu_compare_free(acc->cmp);
    acc->cmp = NULL;
    kpt_baseline_release(&acc->base);
    hist_close(acc->hist); /* a run not committed adds nothing */
    acc->hist = NULL;
}

int
pipeline_acc_close(struct run_acc *acc, int ok)
{
    int ret = close_outputs(acc, ok);

    acc_release(acc);
    return ret;
}
