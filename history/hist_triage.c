/*
 * hist_triage.c - triage decisions (kptrace-batch triage) and the trend table
 * (kptrace-batch history).
 *
 * Merges are kept flat: a cluster is merged into one that is merged into nothing, so a
 * report is shown under its target in one step. Merging a target elsewhere moves what was
 * merged into it along.
 */
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/xalloc.h"

/* the cluster's merged_into (*into, malloc'd or NULL); 1 when there is no such cluster */
static int
cluster_merged_into(struct hist_db *h, const char *id, char **into, struct buf *err)
{
    struct hq *st;
    int rc, found = 0;

    *into = NULL;
    if (hist_prepare(h, "SELECT merged_into FROM clusters WHERE signature_id = ?1", &st, err) < 0)
        return KPT_E_IO;
    hist_bind_text(st, 1, id);
    if ((rc = hq_step(st)) == HQ_ROW) {
        found = 1;
        *into = hist_text(st, 0);
        rc = HQ_DONE;
    }
    if (hq_end(st, rc == HQ_DONE, err, "history: reading a cluster") < 0)
        return KPT_E_IO;
    return found ? 0 : 1;
}

/* UPDATE clusters SET <column> = v WHERE signature_id = id ("" and NULL v: NULL) */
static int
set_column(struct hist_db *h, const char *sql, const char *id, const char *v, struct buf *err)
{
    struct hq *st;
    int rc;

    if (hist_prepare(h, sql, &st, err) < 0)
        return KPT_E_IO;
    hist_bind_text(st, 1, id);
    hist_bind_text(st, 2, v && *v ? v : NULL);
    rc = hq_step(st);
    return hq_end(st, rc == HQ_DONE, err, "history: recording the decision");
}

static int
merge_into(struct hist_db *h, const char *id, const char *target, struct buf *err)
{
    char *tt = NULL;
    int rc;

    if (!strcmp(id, target))
        return kpt_fail(err, KPT_E_FORMAT, "a cluster cannot be merged into itself");
    rc = cluster_merged_into(h, target, &tt, err);
    if (rc == 1)
        rc = kpt_fail(err, KPT_E_FORMAT, "no cluster %.40s in the history to merge into", target);
    else if (rc == 0 && tt)
        rc = kpt_fail(err, KPT_E_FORMAT, "%.40s is merged into %.40s itself: merge into %.40s",
                      target, tt, tt);
    free(tt);
    if (rc != 0)
        return rc;
    /* what was merged into id goes to target too, then id itself */
    if (set_column(h, "UPDATE clusters SET merged_into = ?2 WHERE merged_into = ?1", id, target,
                   err) < 0)
        return KPT_E_IO;
    return set_column(h, "UPDATE clusters SET merged_into = ?2 WHERE signature_id = ?1", id, target,
                      err);
}

int
hist_triage(struct hist_db *h, const char *sig, const struct hist_decision *d, int *unknown,
            struct buf *err)
{
    char *into = NULL;
    int rc;

    *unknown = 0;
    if (hist_exec(h, h->d->begin_write, err) < 0)
        return KPT_E_IO;
    rc = cluster_merged_into(h, sig, &into, err);
    free(into);
    if (rc == 1) {
        *unknown = 1;
        kpt_fail(err, KPT_E_FORMAT,
                 "no cluster %.40s in the history (a signature id of a recorded run)", sig);
        goto fail;
    }
    if (rc < 0 ||
        (d->status && set_column(h, "UPDATE clusters SET status = ?2 WHERE signature_id = ?1", sig,
                                 d->status, err) < 0) ||
        (d->bug && set_column(h, "UPDATE clusters SET bug = ?2 WHERE signature_id = ?1", sig,
                              d->bug, err) < 0) ||
        (d->note && set_column(h, "UPDATE clusters SET note = ?2 WHERE signature_id = ?1", sig,
                               d->note, err) < 0) ||
        (d->merge_into && merge_into(h, sig, d->merge_into, err) < 0) ||
        (d->unmerge && set_column(h, "UPDATE clusters SET merged_into = ?2 WHERE signature_id = ?1",
                                  sig, NULL, err) < 0))
        goto fail;
    return hist_exec(h, "COMMIT", err);
fail:
    hist_rollback(h);
    return KPT_E_IO;
}

void
hist_row_release(struct kpt_trend_row *row)
{
    free(row->id);
    free(row->signature);
    free(row->panic_class);
    free(row->merged_into);
    hist_cluster_hist_release(&row->h);
    memset(row, 0, sizeof(*row));
}

int
hist_row_get(struct hist_db *h, const char *sig, struct kpt_trend_row *row, struct buf *err)
{
    struct hq *st;
    int rc, found = 0;

    memset(row, 0, sizeof(*row));
    if (hist_prepare(h,
                     "SELECT signature_id, signature, class, merged_into FROM clusters"
                     " WHERE signature_id = ?1",
                     &st, err) < 0)
        return KPT_E_IO;
    hist_bind_text(st, 1, sig);
    if ((rc = hq_step(st)) == HQ_ROW) {
        found = 1;
        row->id = hist_text(st, 0);
        row->signature = hist_text(st, 1);
        row->panic_class = hist_text(st, 2);
        row->merged_into = hist_text(st, 3);
        rc = HQ_DONE;
    }
    if (hq_end(st, rc == HQ_DONE, err, "history: reading a cluster") < 0) {
        hist_row_release(row);
        return KPT_E_IO;
    }
    if (!found)
        return 1;
    if (hist_cluster_info(h, sig, 1, &row->h, err) < 0) {
        hist_row_release(row);
        return KPT_E_IO;
    }
    return 0;
}

void
hist_table_release(struct kpt_trend_table *t)
{
    size_t i;

    for (i = 0; i < t->nrows; i++)
        hist_row_release(&t->rows[i]);
    free(t->rows);
    free(t->run_ids);
    free(t->run_start);
    free(t->run_files);
    free(t->run_new);
    memset(t, 0, sizeof(*t));
}

static size_t
trend_sum(const struct kpt_trend_row *r, size_t n)
{
    size_t s = 0, k;

    for (k = 0; k < n; k++)
        s += r->h.trend[k];
    return s;
}

/* a row's order in the table, carried by the row's key: most new reports in the shown runs,
 * then most reports held, then by id */
struct row_key {
    size_t sum, total;
    const char *id;
    size_t i; /* the row's place before sorting */
};

static int
cmp_keys(const void *x, const void *y)
{
    const struct row_key *a = x, *b = y;

    if (a->sum != b->sum)
        return a->sum > b->sum ? -1 : 1;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return strcmp(a->id, b->id);
}

static void
sort_rows(struct kpt_trend_table *t)
{
    struct row_key *k;
    struct kpt_trend_row *sorted;
    size_t i;

    if (t->nrows < 2)
        return;
    k = xcalloc(t->nrows, sizeof(*k));
    for (i = 0; i < t->nrows; i++) {
        k[i].sum = trend_sum(&t->rows[i], t->nruns);
        k[i].total = t->rows[i].h.total;
        k[i].id = t->rows[i].id;
        k[i].i = i;
    }
    qsort(k, t->nrows, sizeof(*k), cmp_keys);
    sorted = xcalloc(t->nrows, sizeof(*sorted));
    for (i = 0; i < t->nrows; i++)
        sorted[i] = t->rows[k[i].i];
    free(t->rows);
    t->rows = sorted;
    free(k);
}

static int
table_runs(struct hist_db *h, size_t runs, struct kpt_trend_table *t, struct buf *err)
{
    struct hq *st;
    size_t n = 0, i;
    int rc;

    t->run_ids = xcalloc(runs, sizeof(int64_t));
    t->run_start = xcalloc(runs, sizeof(int64_t));
    t->run_files = xcalloc(runs, sizeof(size_t));
    t->run_new = xcalloc(runs, sizeof(size_t));
    if (hist_prepare(h,
                     "SELECT id, started, files, new_reports FROM runs WHERE ended IS NOT NULL"
                     " ORDER BY id DESC LIMIT ?1",
                     &st, err) < 0)
        return KPT_E_IO;
    hq_bind_int(st, 1, (int64_t)runs);
    while ((rc = hq_step(st)) == HQ_ROW && n < runs) {
        t->run_ids[n] = hq_i64(st, 0);
        t->run_start[n] = hist_time(hq_str(st, 1));
        t->run_files[n] = hist_count(st, 2);
        t->run_new[n] = hist_count(st, 3);
        n++;
    }
    if (hq_end(st, rc == HQ_DONE || rc == HQ_ROW, err, "history: reading the runs") < 0)
        return KPT_E_IO;
    t->nruns = n;
    for (i = 0; i < n / 2; i++) { /* oldest first */
        int64_t a = t->run_ids[i], b = t->run_start[i];
        size_t c = t->run_files[i], d = t->run_new[i];

        t->run_ids[i] = t->run_ids[n - 1 - i];
        t->run_start[i] = t->run_start[n - 1 - i];
        t->run_files[i] = t->run_files[n - 1 - i];
        t->run_new[i] = t->run_new[n - 1 - i];
        t->run_ids[n - 1 - i] = a;
        t->run_start[n - 1 - i] = b;
        t->run_files[n - 1 - i] = c;
        t->run_new[n - 1 - i] = d;
    }
    if (hist_prepare(h,
                     "SELECT (SELECT count(*) FROM runs WHERE ended IS NOT NULL),"
                     " (SELECT count(*) FROM reports)",
                     &st, err) < 0)
        return KPT_E_IO;
    if (hq_step(st) == HQ_ROW) {
        t->runs_ever = hist_count(st, 0);
        t->reports_ever = hist_count(st, 1);
    }
    hq_finalize(st);
    return 0;
}

int
hist_table(struct hist_db *h, size_t runs, struct kpt_trend_table *t, struct buf *err)
{
    struct hq *st = NULL, *tr = NULL;
    size_t cap = 0;
    int rc;

    memset(t, 0, sizeof(*t));
    t->path = h->path;
    if (table_runs(h, runs, t, err) < 0)
        goto fail;
    if (!t->nruns)
        return 0;
    if (hist_prepare(
            h,
            "SELECT t.signature_id, t.signature, t.class, t.regressed_run,"
            " (SELECT min(m.first_run) FROM clusters m WHERE m.signature_id = t.signature_id"
            "  OR m.merged_into = t.signature_id)"
            " FROM clusters t WHERE t.merged_into IS NULL AND EXISTS (SELECT 1 FROM run_clusters rc"
            "  JOIN clusters m ON m.signature_id = rc.signature_id WHERE rc.run_id >= ?1"
            "  AND (m.signature_id = t.signature_id OR m.merged_into = t.signature_id))",
            &st, err) < 0 ||
        hist_prepare(h, hist_trend_sql, &tr, err) < 0)
        goto fail;
    hq_bind_int(st, 1, t->run_ids[0]);
    while ((rc = hq_step(st)) == HQ_ROW) {
        struct kpt_trend_row *row;
        int64_t regressed, first = hq_i64(st, 4);
        int has_regressed = hq_int(st, 3, &regressed);

        VEC_GROW(t->rows, t->nrows + 1, cap);
        row = &t->rows[t->nrows++];
        memset(row, 0, sizeof(*row));
        row->id = hist_text(st, 0);
        row->signature = hist_text(st, 1);
        row->panic_class = hist_text(st, 2);
        if (!row->id) {
            (void)hist_fail(h, err, "history: reading the clusters");
            goto fail;
        }
        if (hist_cluster_info(h, row->id, 1, &row->h, err) < 0)
            goto fail;
        row->h.trend = xcalloc(t->nruns, sizeof(size_t));
        if (hist_trend(tr, row->id, t->run_ids, t->nruns, row->h.trend) < 0) {
            hist_fail(h, err, "history: reading a trend");
            goto fail;
        }
        row->h.new_reports = trend_sum(row, t->nruns);
        if (first >= t->run_ids[0])
            row->h.flag = KPT_HF_NEW;
        else if (has_regressed && regressed >= t->run_ids[0])
            row->h.flag = KPT_HF_REGRESSED;
    }
    if (rc != HQ_DONE) {
        hist_fail(h, err, "history: reading the clusters");
        goto fail;
    }
    hq_finalize(st);
    hq_finalize(tr);
    sort_rows(t);
    return 0;
fail:
    hq_finalize(st);
    hq_finalize(tr);
    hist_table_release(t);
    return KPT_E_IO;
}
