/*
 * pipeline_hist.c - the history in a run (--history) and its own commands: triage records a
 * decision, history prints the trend table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver/pipeline.h"
#include "driver/pipeline_int.h"
#include "report/rep.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* every message names the history as hist_shown() does: a URI's password never shown */
static int
hist_error(const char *path, struct buf *err)
{
    char *shown = hist_shown(path);

    diag_printf("--history %s: %s", shown, err->data ? err->data : "failed");
    free(shown);
    buf_release(err);
    return KPT_E_IO;
}

int
pipeline_hist_start(struct run_acc *acc, const char *kind)
{
    struct buf err = BUF_INIT;
    const struct kpt_opts *o = acc->o;

    if (!o->history)
        return 0;
    if (hist_open(o->history, HIST_CREATE, &acc->hist, &err) < 0 ||
        hist_begin(acc->hist, kind, (int64_t)time(NULL), o->paths, o->npaths, &err) < 0)
        return hist_error(o->history, &err);
    buf_release(&err);
    return 0;
}

int
pipeline_hist_add(struct run_acc *acc, struct arena *a, const struct kpt_report *r)
{
    struct buf err = BUF_INIT;

    if (!acc->hist || !KPT_READ(r) || r->excluded)
        return 0;
    if (hist_add(acc->hist, a, r, &err) < 0) {
        acc->io_error = acc->hist_error = 1;
        return hist_error(acc->o->history, &err);
    }
    buf_release(&err);
    return 0;
}

/* triage's merges: each merged cluster is shown under its target (the target's own
 * clusters first, so that they keep their signature when both are in the run) */
static void
apply_merges(struct run_acc *acc)
{
    size_t n, i, moved = 0;
    const struct kpt_cluster *c = clu_table_result(acc->table, &n);
    struct clu_table *t;
    int pass;

    for (i = 0; i < n; i++)
        if (hist_target(acc->hist, c[i].id_hex))
            moved++;
    if (!moved)
        return;
    t = clu_table_new_like(acc->table);
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < n; i++) {
            const struct hist_target *tg = hist_target(acc->hist, c[i].id_hex);
            struct kpt_cluster x;

            if ((tg != NULL) != pass)
                continue;
            x = c[i];
            if (tg) {
                x.id = tg->key;
                x.id_hex = tg->id;
                x.signature = tg->signature;
                if (tg->panic_class)
                    x.panic_class = tg->panic_class;
            }
            clu_table_merge(t, &x, NULL, 0);
        }
    clu_table_free(acc->table);
    acc->table = t;
}

int
pipeline_hist_annotate(struct run_acc *acc)
{
    struct buf err = BUF_INIT;
    size_t i;

    if (!acc->hist)
        return 0;
    if (hist_lock(acc->hist, &err) < 0)
        return hist_error(acc->o->history, &err);
    /* the copies joined to a twin are recorded and counted under it */
    for (i = 0; i < acc->njoins; i++)
        if (hist_join(acc->hist, acc->joins[i].from, acc->joins[i].to, &err) < 0)
            return hist_error(acc->o->history, &err);
    apply_merges(acc);
    acc->sum.clusters = clu_table_result(acc->table, &acc->sum.nclusters);
    if (hist_annotate(acc->hist, acc->sum.clusters, acc->sum.nclusters, &acc->sum.hist, &err) < 0) {
        acc->sum.hist = NULL;
        return hist_error(acc->o->history, &err);
    }
    buf_release(&err);
    return 0;
}

int
pipeline_hist_write(struct run_acc *acc)
{
    struct buf err = BUF_INIT;

    if (!acc->hist)
        return 0;
    if (hist_write(acc->hist, &acc->sum, &err) < 0)
        return hist_error(acc->o->history, &err);
    buf_release(&err);
    return 0;
}

int
pipeline_hist_commit(struct run_acc *acc)
{
    struct buf err = BUF_INIT;

    if (!acc->hist)
        return 0;
    if (hist_commit(acc->hist, &err) < 0)
        return hist_error(acc->o->history, &err);
    buf_release(&err);
    return 0;
}

/* a history file for the commands: it must exist; read-only unless 'write' */
static struct hist_db *
open_existing(const char *path, int write)
{
    struct hist_db *h;
    struct buf err = BUF_INIT;

    if (hist_open(path, write ? HIST_WRITE : HIST_READ, &h, &err) < 0) {
        char *shown = hist_shown(path);

        diag_report(shown, err.data ? err.data : "cannot be opened");
        free(shown);
        buf_release(&err);
        return NULL;
    }
    buf_release(&err);
    return h;
}

static int
write_stdout(int ret)
{
    if (fflush(stdout) || ferror(stdout)) {
        diag_printf("writing standard output failed");
        return KPT_EXIT_START;
    }
    return ret;
}

int
pipeline_triage(const struct kpt_opts *o)
{
    const char *sig = o->paths[1];
    struct hist_decision d = { o->t_status, o->t_bug, o->t_note, o->t_merge_into, o->t_unmerge };
    struct kpt_trend_row row;
    struct hist_db *h;
    struct buf err = BUF_INIT;
    int unknown = 0, ret = KPT_EXIT_OK, rc;

    if (!(h = open_existing(o->paths[0], o->t_status || o->t_bug || o->t_note || o->t_merge_into ||
                                             o->t_unmerge)))
        return KPT_EXIT_START;
    if ((o->t_status || o->t_bug || o->t_note || o->t_merge_into || o->t_unmerge) &&
        hist_triage(h, sig, &d, &unknown, &err) < 0) {
        diag_report("triage", err.data ? err.data : "failed");
        buf_release(&err);
        hist_close(h);
        return unknown || o->t_merge_into ? KPT_EXIT_USAGE : KPT_EXIT_START;
    }
    rc = hist_row_get(h, sig, &row, &err);
    if (rc == 0) {
        rep_triage_record(stdout, &row);
        hist_row_release(&row);
    } else {
        diag_report("triage",
                    rc == 1    ? "no such cluster in the history (a signature id of a recorded run)"
                    : err.data ? err.data
                               : "failed");
        ret = rc == 1 ? KPT_EXIT_USAGE : KPT_EXIT_START;
    }
    buf_release(&err);
    hist_close(h);
    return write_stdout(ret);
}

int
pipeline_history(const struct kpt_opts *o)
{
    struct kpt_trend_table t;
    struct hist_db *h;
    struct buf err = BUF_INIT;
    int ret = KPT_EXIT_OK;

    if (!(h = open_existing(o->paths[0], 0)))
        return KPT_EXIT_START;
    if (hist_table(h, o->history_runs ? o->history_runs : KPT_TREND_RUNS, &t, &err) < 0) {
        diag_report("history", err.data ? err.data : "failed");
        ret = KPT_EXIT_START;
    } else {
        rep_trend_table(stdout, &t);
        hist_table_release(&t);
    }
    buf_release(&err);
    hist_close(h);
    return write_stdout(ret);
}
