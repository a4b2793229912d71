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

/* one merge: the states, their reports in walk order, each state's seq -> merged seq */
struct merge {
    const struct kpt_opts *o;
    struct kpt_state *st;
    struct mrow *rows;
    size_t nrows, rcap;
    size_t **map;
    struct kpt_symstats sym;
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
    return path_walk_cmp(((const struct kpt_rejected *)x)->path,
                         ((const struct kpt_rejected *)y)->path);
}

/* every state read; why not on stderr */
static int
load_states(struct merge *m)
{
    size_t i;

    for (i = 0; i < m->o->npaths; i++) {
        struct buf err = BUF_INIT;
        int ret = rd_state_load(m->o->paths[i], &m->st[i], &err);

        if (ret < 0) {
            if (!err.len) /* never an empty reason */
                buf_addf(&err, "%s: cannot be loaded (out of memory?)", m->o->paths[i]);
            diag_printf("merge: %s", err.data);
        }
        buf_release(&err);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* the totals, and the settings every state must share (algorithm, rules, --frames) */
static int
merge_totals(struct merge *m, struct run_acc *acc)
{
    size_t i;

    for (i = 0; i < m->o->npaths; i++) {
        struct buf why = BUF_INIT;

        if (kpt_fields_merge(kpt_summary_fields, &acc->sum, &m->st[i].sum, i == 0, &why) < 0) {
            diag_printf("merge: %s differs from %s in %s: keys or outputs are not comparable",
                        m->o->paths[i], m->o->paths[0], why.data);
            buf_release(&why);
            return KPT_E_FORMAT;
        }
        (void)kpt_fields_merge(kpt_symstats_fields, &m->sym, &m->st[i].sym, i == 0,
                               NULL); /* counts only */
    }
    return 0;
}

/* the reports in the order one walk over all the inputs meets them, and each state's seqs
 * mapped to theirs; -1 when two states hold one path */
static int
order_rows(struct merge *m)
{
    size_t i, k;

    for (i = 0; i < m->o->npaths; i++)
        for (k = 0; k < m->st[i].nrows; k++) {
            VEC_GROW(m->rows, m->nrows + 1, m->rcap);
            m->rows[m->nrows].row = &m->st[i].rows[k];
            m->rows[m->nrows].shard = i;
            m->rows[m->nrows++].seq = k;
        }
    if (m->nrows > 1)
        qsort(m->rows, m->nrows, sizeof(*m->rows), cmp_mrow);
    /* overlapping shards (or one state given twice) would count reports twice: refused */
    for (k = 1; k < m->nrows; k++)
        if (m->rows[k].shard != m->rows[k - 1].shard &&
            !strcmp(m->rows[k].row->path, m->rows[k - 1].row->path)) {
            diag_printf(
                "merge: %s and %s both hold a report of the same path; the shards overlap (or one "
                "state was given twice)",
                m->o->paths[m->rows[k - 1].shard], m->o->paths[m->rows[k].shard]);
            return KPT_E_FORMAT;
        }
    for (i = 0; i < m->o->npaths; i++)
        m->map[i] = xcalloc(m->st[i].nrows + 1, sizeof(**m->map));
    for (k = 0; k < m->nrows; k++)
        m->map[m->rows[k].shard][m->rows[k].seq] = k;
    return 0;
}

/* the clusters into the accumulator's table, and the rejected files a run would list */
static void
merge_clusters(struct merge *m, struct run_acc *acc)
{
    size_t i, k;

    acc->table = clu_table_new(1);
    for (i = 0; i < m->o->npaths; i++) {
        for (k = 0; k < m->st[i].nclusters; k++)
            clu_table_merge(acc->table, &m->st[i].clusters[k], m->map[i], m->st[i].nrows);
        for (k = 0; k < m->st[i].nrej; k++) {
            VEC_GROW(acc->rej, acc->nrej + 1, acc->rej_cap);
            acc->rej[acc->nrej].path = xstrdup(m->st[i].rej[k].path);
            acc->rej[acc->nrej].why = xstrdup(m->st[i].rej[k].why);
            acc->nrej++;
        }
    }
    /* a run lists the first KPT_REJECTED_LISTED rejected files its walk meets, then sorts
     * them (pipeline_acc_finish()): the same here (each shard's list holds its first ones in walk
     * order) */
    if (acc->nrej > 1)
        qsort(acc->rej, acc->nrej, sizeof(*acc->rej), cmp_rej_walk);
    while (acc->nrej > KPT_REJECTED_LISTED) {
        acc->nrej--;
        free(acc->rej[acc->nrej].path);
        free(acc->rej[acc->nrej].why);
        acc->sum.rej_unlisted++;
    }
}

/* every report's rows, as its run printed them, and what a history records of it: through
 * the accumulator's consumed point, as a run's */
static void
write_rows(struct merge *m, struct run_acc *acc)
{
    struct arena *a = m->o->history ? arena_new(64 * 1024) : NULL;
    struct buf csv = BUF_INIT;
    size_t k;

    for (k = 0; k < m->nrows && !acc->io_error; k++) {
        const struct kpt_state_row *r = m->rows[k].row;
        struct kpt_report rr;
        int has = 0;

        if (acc->hist) {
            arena_clear(a);
            has = rd_state_row_report(r, a, &rr) == 0;
        }
        /* the row's CSV cells quoted again, as a run prints them */
        buf_reset(&csv);
        rep_csv_row_buf(&csv, &r->csv);
        pipeline_consumed(acc, a, has ? &rr : NULL, r->path, &csv, r->json, k == 0);
    }
    buf_release(&csv);
    arena_free(a);
}

static void
merge_release(struct merge *m)
{
    size_t i;

    for (i = 0; i < m->o->npaths; i++) {
        rd_state_release(&m->st[i]);
        free(m->map[i]);
    }
    free(m->map);
    free(m->st);
    free(m->rows);
    kpt_fields_release(kpt_symstats_fields, &m->sym, 0);
}

int
pipeline_merge(const struct kpt_opts *o)
{
    struct run_acc acc;
    struct merge m;
    int ret = KPT_EXIT_OK, ok = 1;

    memset(&acc, 0, sizeof(acc));
    memset(&m, 0, sizeof(m));
    acc.o = m.o = o;
    if (pipeline_check_outputs(o, NULL, 0) < 0)
        return KPT_EXIT_USAGE;
    m.st = xcalloc(o->npaths, sizeof(*m.st));
    m.map = xcalloc(o->npaths, sizeof(*m.map));
    if (load_states(&m) < 0 || merge_totals(&m, &acc) < 0 || order_rows(&m) < 0) {
        ret = KPT_EXIT_START;
        ok = 0;
        goto out;
    }
    merge_clusters(&m, &acc);
    if (pipeline_acc_start(&acc) < 0) {
        ret = KPT_EXIT_START;
        ok = 0;
        goto out;
    }
    write_rows(&m, &acc);
    acc.sum.clusters = clu_table_result(acc.table, &acc.sum.nclusters);
    acc.sum.sym = &m.sym;
    acc.sum.build_a = o->build_a;
    acc.sum.build_b = o->build_b;
    acc.sum.plot = o->plot;
    ret = pipeline_acc_finish(&acc, &ok);
    if (!o->quiet)
        diag_printf("merged %zu states: %zu inputs: %zu ok, %zu partial, %zu rejected, %zu "
                    "skipped; %zu clusters",
                    o->npaths, acc.sum.files, acc.sum.ok, acc.sum.partial, acc.sum.rejected,
                    acc.sum.skipped, acc.sum.nclusters);
out:
    if (pipeline_acc_close(&acc, ok) < 0)
        ret = KPT_EXIT_START;
    merge_release(&m);
    return ret;
}
