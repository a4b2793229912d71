/*
 * pipeline_merge.c - 'kptrace-batch merge STATE...': the outputs of one run over every
 * shard's inputs, from the states the shards wrote (--emit-state).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/pipeline.h"
#include "driver/pipeline_int.h"
#include "readers/rd.h"
#include "report/rep.h"
#include "util/diag.h"
#include "util/pathcmp.h"
#include "util/xalloc.h"

struct mrow {
    const struct kpt_state_row *row;
    size_t shard, seq;
};

static int
cmp_mrow(const void *x, const void *y)
{
    const struct mrow *a = x, *b = y;
    size_t na = strcspn(a->row->path, "!"), nb = strcspn(b->row->path, "!");
    /* an archive's rows (ARCHIVE!MEMBER, then its own) keep the order its run gave them:
     * the archive's order, not the walk's (a shard holds a whole archive) */
    int c = path_walk_cmp_n(a->row->path, na, b->row->path, nb);

    if (c)
        return c;
    if (a->shard == b->shard)
        return a->seq < b->seq ? -1 : a->seq > b->seq;
    c = path_walk_cmp(a->row->path, b->row->path);
    if (c)
        return c;
    if (a->shard != b->shard)
        return a->shard < b->shard ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
cmp_rej_walk(const void *x, const void *y)
{
    return path_walk_cmp(((const struct kpt_rejected *)x)->path, ((const struct kpt_rejected *)y)->path);
}

int
pipeline_merge(const struct kpt_opts *o)
{
    struct run run;
    struct kpt_state *st = xcalloc(o->npaths, sizeof(*st));
    struct kpt_symstats sym;
    struct mrow *rows = NULL;
    struct buf csv = BUF_INIT;
    size_t **map = xcalloc(o->npaths, sizeof(*map));
    size_t i, k, nrows = 0, rcap = 0;
    int ret = KPT_EXIT_OK, ok = 1;

    memset(&run, 0, sizeof(run));
    memset(&sym, 0, sizeof(sym));
    run.o = o;
    if (pipeline_check_outputs(o, NULL, 0) < 0) {
        free(st);
        free(map);
        return KPT_EXIT_USAGE;
    }
    for (i = 0; i < o->npaths; i++) {
        struct buf err = BUF_INIT;

        if (rd_state_load(o->paths[i], &st[i], &err) < 0) {
            if (!err.len) /* never an empty reason */
                buf_addf(&err, "%s: cannot be loaded (out of memory?)", o->paths[i]);
            diag_printf("merge: %s", err.data);
            buf_release(&err);
            ret = KPT_EXIT_START;
            ok = 0;
            goto out;
        }
        buf_release(&err);
    }
    /* the totals, and the settings every state must share (algorithm, rules, --frames) */
    for (i = 0; i < o->npaths; i++) {
        char why[256];

        if (kpt_fields_merge(kpt_summary_fields, &run.sum, &st[i].sum, i == 0, why, sizeof(why)) < 0) {
            fprintf(stderr, "kptrace-batch: merge: %s differs from %s in %s: keys or outputs are "
                            "not comparable\n", o->paths[i], o->paths[0], why);
            ret = KPT_EXIT_START;
            ok = 0;
            goto out;
        }
        kpt_fields_merge(kpt_symstats_fields, &sym, &st[i].sym, i == 0, why, sizeof(why));
    }
    /* the reports in the order one walk over all the inputs meets them */
    for (i = 0; i < o->npaths; i++)
        for (k = 0; k < st[i].nrows; k++) {
            VEC_GROW(rows, nrows + 1, rcap);
            rows[nrows].row = &st[i].rows[k];
            rows[nrows].shard = i;
            rows[nrows].seq = k;
            nrows++;
        }
    if (nrows > 1)
        qsort(rows, nrows, sizeof(*rows), cmp_mrow);
    /* overlapping shards (or one state given twice) would count reports twice: refused */
    for (k = 1; k < nrows; k++)
        if (rows[k].shard != rows[k - 1].shard && !strcmp(rows[k].row->path, rows[k - 1].row->path)) {
            fprintf(stderr, "kptrace-batch: merge: %s and %s both hold a report of the same path; "
                            "the shards overlap (or one state was given twice)\n",
                    o->paths[rows[k - 1].shard], o->paths[rows[k].shard]);
            ret = KPT_EXIT_START;
            ok = 0;
            goto out;
        }
    for (i = 0; i < o->npaths; i++)
        map[i] = xcalloc(st[i].nrows + 1, sizeof(**map));
    for (k = 0; k < nrows; k++)
        map[rows[k].shard][rows[k].seq] = k;

    run.table = clu_table_new(1);
    for (i = 0; i < o->npaths; i++) {
        for (k = 0; k < st[i].nclusters; k++)
            clu_table_merge(run.table, &st[i].clusters[k], map[i], st[i].nrows);
        for (k = 0; k < st[i].nrej; k++) {
            VEC_GROW(run.rej, run.nrej + 1, run.rej_cap);
            run.rej[run.nrej].path = xstrdup(st[i].rej[k].path);
            run.rej[run.nrej].why = xstrdup(st[i].rej[k].why);
            run.nrej++;
        }
    }
    /* a run lists the first KPT_REJECTED_LISTED rejected files its walk meets, then sorts
     * them: the same here (each shard's list holds its first ones in walk order) */
    if (run.nrej > 1)
        qsort(run.rej, run.nrej, sizeof(*run.rej), cmp_rej_walk);
    while (run.nrej > KPT_REJECTED_LISTED) {
        run.nrej--;
        free(run.rej[run.nrej].path);
        free(run.rej[run.nrej].why);
        run.sum.rej_unlisted++;
    }
    if (run.nrej > 1)
        qsort(run.rej, run.nrej, sizeof(*run.rej), pipeline_cmp_rej);

    if (pipeline_start_outputs(o, &run) < 0) {
        ret = KPT_EXIT_START;
        ok = 0;
        goto out;
    }
    if (o->history)
        run.arena = arena_new(64 * 1024);
    for (k = 0; k < nrows && !run.io_error; k++) {
        const struct kpt_state_row *r = rows[k].row;

        if (run.hist) {
            struct kpt_report rr;

            arena_clear(run.arena);
            if (rd_state_row_report(r, run.arena, &rr) == 0)
                pipeline_hist_add(&run, &rr);
        }
        /* the row's CSV cells quoted again, as a run prints them */
        buf_reset(&csv);
        rep_csv_row_buf(&csv, &r->csv);
        if ((run.out[OUT_RCSV].f && rep_write_text(run.out[OUT_RCSV].f, csv.data, csv.len) < 0) ||
            (run.out[OUT_JSON].f && (rep_json_sep(run.out[OUT_JSON].f, k == 0) < 0 ||
                            rep_write_text(run.out[OUT_JSON].f, r->json, strlen(r->json)) < 0)) ||
            (run.out[OUT_STATE].f && rep_state_report(run.out[OUT_STATE].f, r->path, csv.data, r->json, k == 0) < 0))
            run.io_error = 1;
    }
    buf_release(&csv);
    run.sum.clusters = clu_table_result(run.table, &run.sum.nclusters);
    run.sum.rej = run.rej;
    run.sum.nrej = run.nrej;
    run.sum.sym = &sym;
    run.sum.build_a = o->build_a;
    run.sum.build_b = o->build_b;
    run.sum.plot = o->plot;
    ret = pipeline_finish(&run, &ok);
    if (!o->quiet)
        fprintf(stderr, "kptrace-batch: merged %zu states: %zu inputs: %zu ok, %zu partial, %zu rejected, "
                        "%zu skipped; %zu clusters\n", o->npaths, run.sum.files, run.sum.ok, run.sum.partial,
                run.sum.rejected, run.sum.skipped, run.sum.nclusters);
out:
    if (pipeline_close_outputs(&run, ok) < 0)
        ret = KPT_EXIT_START;
    pipeline_run_release(&run);
    for (i = 0; i < o->npaths; i++) {
        rd_state_release(&st[i]);
        free(map[i]);
    }
    free(map);
    free(st);
    free(rows);
    kpt_fields_release(kpt_symstats_fields, &sym, 0);
    if (run.arena)
        arena_free(run.arena);
    return ret;
}
