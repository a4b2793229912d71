/*
 * hist_annot.c - what the history says of a run's clusters (hist_annotate()): under the
 * write lock, with the run's reports written already, under which cluster the new and known
 * ones are shown, the trend's runs and builds, and each cluster's counts, trend and triage.
 */
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/cursor.h"
#include "util/err.h"
#include "util/xalloc.h"

/* a cluster of the run, found by its id */
struct by_id {
    uint64_t id;
    size_t i;
};

static int
cmp_by_id(const void *x, const void *y)
{
    uint64_t a = ((const struct by_id *)x)->id, b = ((const struct by_id *)y)->id;

    return a < b ? -1 : a > b;
}

static size_t
find_cluster(const struct by_id *v, size_t n, const unsigned char *hex)
{
    struct by_id key, *f;
    uint64_t id;

    if (!hex || strlen((const char *)hex) != 16 ||
        cur_field_num((const char *)hex, 16, &id, UINT64_MAX) < 0)
        return SIZE_MAX;
    key.id = id;
    f = bsearch(&key, v, n, sizeof(*v), cmp_by_id);
    return f ? f->i : SIZE_MAX;
}

/* the runs of the trend: the last KPT_TREND_RUNS - 1 recorded, then this one */
static int
trend_runs(struct hist_db *h, struct buf *err)
{
    struct hq *st;
    int64_t ids[KPT_TREND_RUNS], starts[KPT_TREND_RUNS];
    size_t n = 0, i;
    int rc;

    if (hist_prepare(h,
                     "SELECT id, started FROM runs WHERE ended IS NOT NULL AND id < ?1"
                     " ORDER BY id DESC LIMIT ?2",
                     &st, err) < 0)
        return KPT_E_IO;
    hq_bind_int(st, 1, h->run_id);
    hq_bind_int(st, 2, KPT_TREND_RUNS - 1);
    while ((rc = hq_step(st)) == HQ_ROW && n < KPT_TREND_RUNS - 1) {
        ids[n] = hq_i64(st, 0);
        starts[n++] = hist_time(hq_str(st, 1));
    }
    if (hq_end(st, rc == HQ_DONE || rc == HQ_ROW, err, "history: reading the runs") < 0)
        return KPT_E_IO;
    h->rh.ntrend = n + 1;
    {
        int64_t runs;

        if (hist_prepare(h, "SELECT count(*) FROM runs WHERE ended IS NOT NULL", &st, err) < 0)
            return KPT_E_IO;
        runs = hq_step(st) == HQ_ROW ? hq_i64(st, 0) : 0;
        hq_finalize(st);
        h->rh.runs = (size_t)(runs > 0 ? runs : 0) + 1;
    }
    h->rh.trend_start = arena_alloc(h->arena, (n + 1) * sizeof(int64_t));
    h->trend_ids = arena_alloc(h->arena, (n + 1) * sizeof(int64_t));
    for (i = 0; i < n; i++) {
        h->trend_ids[i] = ids[n - 1 - i];
        h->rh.trend_start[i] = starts[n - 1 - i];
    }
    h->trend_ids[n] = h->run_id;
    h->rh.trend_start[n] = h->started;
    return 0;
}

static int
cmp_build(const void *x, const void *y)
{
    return strcmp(((const struct kpt_build_trend *)x)->build,
                  ((const struct kpt_build_trend *)y)->build);
}

/* the run's builds into the history's (the last run of the trend), in build order */
static struct kpt_build_trend *
add_run_builds(struct kpt_build_trend *b, size_t *n, size_t *cap, size_t nt,
               const struct hist_counts *rb)
{
    size_t i, j;

    for (j = 0; j < rb->n; j++) {
        const struct hist_count *c = &rb->v[j];

        for (i = 0; i < *n && strcmp(b[i].build, c->key); i++)
            ;
        if (i == *n) {
            VEC_GROW(b, *n + 1, *cap);
            b[i].build = xstrdup(c->key);
            b[i].trend = xcalloc(nt, sizeof(size_t));
            (*n)++;
        }
        b[i].trend[nt - 1] += c->new_reports;
    }
    if (*n > 1)
        qsort(b, *n, sizeof(*b), cmp_build);
    return b;
}

/* new reports per build over the trend's runs (this run's as hist_add() counted them): the
 * builds with most */
#define HIST_BUILDS 8
static int
build_trends(struct hist_db *h, struct buf *err)
{
    struct hq *st;
    struct kpt_build_trend *b = NULL;
    size_t n = 0, cap = 0, i, k, nt = h->rh.ntrend;
    int rc;

    if (hist_prepare(h,
                     "SELECT os_build, run_id, new_reports FROM run_builds"
                     " WHERE run_id >= ?1 AND run_id < ?2 ORDER BY 1, 2",
                     &st, err) < 0)
        return KPT_E_IO;
    hq_bind_int(st, 1, h->trend_ids[0]);
    hq_bind_int(st, 2, h->run_id);
    while ((rc = hq_step(st)) == HQ_ROW) {
        const char *build = hq_str(st, 0);
        int64_t run = hq_i64(st, 1);

        if (!build)
            continue;
        if (!n || strcmp(b[n - 1].build, build)) {
            VEC_GROW(b, n + 1, cap);
            b[n].build = xstrdup(build);
            b[n].trend = xcalloc(nt, sizeof(size_t));
            n++;
        }
        for (k = 0; k < nt; k++)
            if (h->trend_ids[k] == run)
                b[n - 1].trend[k] += hist_count(st, 2);
    }
    if (hq_end(st, rc == HQ_DONE, err, "history: reading the builds") < 0) {
        for (i = 0; i < n; i++) {
            free(b[i].build);
            free(b[i].trend);
        }
        free(b);
        return KPT_E_IO;
    }
    b = add_run_builds(b, &n, &cap, nt, &h->buildc);
    /* most new reports first; keep HIST_BUILDS (selection by repeated maximum: n is small) */
    for (i = 0; i < n && i < HIST_BUILDS; i++) {
        size_t best = i, sb = 0, s;

        for (k = 0; k < nt; k++)
            sb += b[i].trend[k];
        for (s = i + 1; s < n; s++) {
            size_t t = 0;

            for (k = 0; k < nt; k++)
                t += b[s].trend[k];
            if (t > sb) {
                best = s;
                sb = t;
            }
        }
        if (best != i) {
            struct kpt_build_trend tmp = b[i];

            b[i] = b[best];
            b[best] = tmp;
        }
    }
    for (i = HIST_BUILDS; i < n; i++) {
        free(b[i].build);
        free(b[i].trend);
    }
    h->rh.builds = b;
    h->rh.nbuilds = n < HIST_BUILDS ? n : HIST_BUILDS;
    return 0;
}

/* the run's reports per shown cluster (a merged signature's are shown under its target),
 * from hist_add()'s counts per signature: the new ones into ch, all of them into seen */
static void
run_counts(struct hist_db *h, struct kpt_cluster_hist *ch, const struct by_id *ids, size_t n,
           size_t *seen)
{
    size_t j;

    for (j = 0; j < h->sigc.n; j++) {
        const struct hist_count *c = &h->sigc.v[j];
        const char *sig = hist_joined_to(h, c->key);
        const struct hist_target *tg = hist_target(h, sig);
        size_t i = find_cluster(ids, n, (const unsigned char *)(tg ? tg->id : sig));

        if (i == SIZE_MAX)
            continue;
        seen[i] += c->reports;
        ch[i].new_reports += c->new_reports;
        h->rh.reports_new += c->new_reports;
        h->rh.reports_known += c->reports - c->new_reports;
    }
}

/* v + d within 0 and HIST_COUNT_MAX: the counts come from a file that may say anything */
static size_t
plus(size_t v, int64_t d)
{
    if (d < 0)
        return (uint64_t) - (d + 1) >= v ? 0 : v - (size_t) - (d + 1) - 1;
    return hist_count_add(v, (size_t)d);
}

/* d reports of signature sig into its shown cluster's total, and into the history's */
static void
add_total(struct hist_db *h, struct kpt_cluster_hist *ch, const struct by_id *ids, size_t nids,
          const char *sig, int64_t d)
{
    const struct hist_target *tg;
    size_t i;

    sig = hist_joined_to(h, sig); /* a cluster the run joined to another: shown there */
    tg = hist_target(h, sig);
    i = find_cluster(ids, nids, (const unsigned char *)(tg ? tg->id : sig));
    h->rh.reports_ever = plus(h->rh.reports_ever, d);
    if (i != SIZE_MAX)
        ch[i].total = plus(ch[i].total, d);
}

/* the history's reports per shown cluster, this run's included: each cluster's count as the
 * history kept it (clusters.reports), with what the run changed (hist_add()'s counts) */
static int
cluster_counts(struct hist_db *h, struct kpt_cluster_hist *ch, const struct by_id *ids, size_t n,
               struct buf *err)
{
    struct hq *st;
    size_t j;
    int rc;

    if (hist_prepare(h, "SELECT signature_id, reports FROM clusters WHERE reports > 0", &st, err) <
        0)
        return KPT_E_IO;
    while ((rc = hq_step(st)) == HQ_ROW)
        add_total(h, ch, ids, n, hq_str(st, 0), (int64_t)hist_count(st, 1));
    if (hq_end(st, rc == HQ_DONE, err, "history: counting the history's reports") < 0)
        return KPT_E_IO;
    for (j = 0; j < h->sigc.n; j++)
        add_total(h, ch, ids, n, h->sigc.v[j].key, hist_count_change(&h->sigc.v[j]));
    return 0;
}

int
hist_annotate(struct hist_db *h, const struct kpt_cluster *c, size_t n,
              const struct kpt_run_hist **out, struct buf *err)
{
    struct kpt_cluster_hist *ch = xcalloc(n ? n : 1, sizeof(*ch));
    struct by_id *ids = xcalloc(n ? n : 1, sizeof(*ids));
    size_t *seen = xcalloc(n ? n : 1, sizeof(*seen));
    struct hq *tr = NULL;
    size_t i;
    int ret = KPT_E_IO;

    h->rh.clusters = ch;
    h->nclusters = n;
    h->rh.path = h->path;
    for (i = 0; i < n; i++) {
        ids[i].id = c[i].id;
        ids[i].i = i;
    }
    qsort(ids, n, sizeof(*ids), cmp_by_id);
    if (hist_lock(h, err) < 0)
        goto out;
    run_counts(h, ch, ids, n, seen);
    if (trend_runs(h, err) < 0 || build_trends(h, err) < 0 ||
        cluster_counts(h, ch, ids, n, err) < 0)
        goto out;
    if (hist_prepare(h, hist_trend_sql, &tr, err) < 0)
        goto out;
    for (i = 0; i < n; i++) {
        struct kpt_cluster_hist *x = &ch[i];
        int rc = hist_cluster_info(h, c[i].id_hex, 0, x, err);

        if (rc < 0)
            goto out;
        if (x->total < seen[i]) /* the file's counts were short (or not counts) */
            x->total = seen[i];
        x->trend = xcalloc(h->rh.ntrend, sizeof(size_t));
        if (hist_trend(tr, c[i].id_hex, h->trend_ids, h->rh.ntrend, x->trend) < 0) {
            hist_fail(h, err, "history: reading a trend");
            goto out;
        }
        x->trend[h->rh.ntrend - 1] = x->new_reports;
        if (rc == 1) {
            x->flag = KPT_HF_NEW;
            x->first_seen = h->started;
            h->rh.clusters_new++;
        } else if (x->status == KPT_TR_FIXED && x->new_reports) {
            x->flag = KPT_HF_REGRESSED;
            x->status = KPT_TR_OPEN; /* a regression reopens it */
            h->rh.clusters_regressed++;
        }
        h->rh.clusters_merged += x->merged_from.n;
        if (!x->first_seen)
            x->first_seen = h->started;
    }
    if (h->rh.reports_ever < h->rh.reports_new + h->rh.reports_known)
        h->rh.reports_ever = h->rh.reports_new + h->rh.reports_known;
    ret = 0;
    *out = &h->rh;
out:
    hq_finalize(tr);
    free(ids);
    free(seen);
    return ret;
}
