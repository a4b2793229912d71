/*
 * hist_run.c - one run recorded into the history: begun, the write lock (taken at the run's
 * first signed report: its last pass, after symbolication), each report written as it
 * comes, triage's merges, and the commit.
 *
 * Each engine writes the run's reports its own way (hist_lite.c: as they come; hist_pgrun.c:
 * staged, then set by set under the run's lock); both leave the run's counts per signature
 * and per build here (as many as the run has clusters and builds) and its signatures in
 * temp.cur_sig, so that hist_annotate() (hist_annot.c) still tells the clusters the history
 * never saw, and hist_write() writes clusters, their counts of reports, the run's counts
 * and the run, with the same SQL on either engine; hist_commit() commits them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "history/hist_int.h"
#include "util/cursor.h"
#include "util/err.h"
#include "util/xalloc.h"

static int
cmp_target(const void *x, const void *y)
{
    return strcmp(((const struct hist_target *)x)->from, ((const struct hist_target *)y)->from);
}

/* every merge triage recorded, with its target's signature and class */
static int
load_targets(struct hist_db *h, struct buf *err)
{
    struct hq *st;
    size_t cap = 0;
    int rc;

    if (hist_prepare(h,
                     "SELECT s.signature_id, t.signature_id, t.signature, t.class FROM clusters s"
                     " JOIN clusters t ON t.signature_id = s.merged_into",
                     &st, err) < 0)
        return KPT_E_IO;
    while ((rc = hq_step(st)) == HQ_ROW) {
        struct hist_target *t;
        char *id = hist_text(st, 1);
        uint64_t key;

        if (!id || strlen(id) != 16 || cur_field_num(id, 16, &key, UINT64_MAX) < 0) {
            free(id); /* a target that is no signature id: no merge */
            continue;
        }
        VEC_GROW(h->targets, h->ntargets + 1, cap);
        t = &h->targets[h->ntargets++];
        t->from = hist_text(st, 0);
        t->id = id;
        t->key = key;
        t->signature = hist_text(st, 2);
        t->panic_class = hist_text(st, 3);
        if (!t->from || !t->signature) {
            free(t->from);
            free(t->id);
            free(t->signature);
            free(t->panic_class);
            h->ntargets--;
        }
    }
    if (hq_end(st, rc == HQ_DONE, err, "history: reading the merges") < 0)
        return KPT_E_IO;
    if (h->ntargets > 1)
        qsort(h->targets, h->ntargets, sizeof(*h->targets), cmp_target);
    return 0;
}

int
hist_begin(struct hist_db *h, const char *kind, int64_t started, char *const *inputs,
           size_t ninputs, struct buf *err)
{
    struct hq *st;
    size_t i;

    h->kind = kind;
    h->started = started;
    if (hist_exec(h, h->d->temp_sql, err) < 0)
        return KPT_E_IO;
    if (hist_prepare(h, "INSERT INTO cur_inputs(path) VALUES (?1)", &st, err) < 0)
        return KPT_E_IO;
    for (i = 0; i < ninputs; i++) {
        hq_clear(st);
        hist_bind_text(st, 1, inputs[i]);
        if (hq_step(st) != HQ_DONE) {
            hist_fail(h, err, "history: recording the inputs");
            hq_finalize(st);
            return KPT_E_IO;
        }
    }
    hq_finalize(st);
    return 0;
}

/* the run's row, so that its reports can name it (ended stays NULL until the commit) */
static int
insert_run(struct hist_db *h, struct buf *err)
{
    struct hq *st;
    char when[24];
    int rc;

    hist_time_text(when, h->started);
    if (hist_prepare(h, h->d->insert_run, &st, err) < 0)
        return KPT_E_IO;
    hist_bind_text(st, 1, h->kind);
    hist_bind_text(st, 2, when);
    hist_bind_text(st, 3, KPT_VERSION);
    rc = hq_step(st);
    if (rc == HQ_ROW) /* RETURNING id */
        h->run_id = hq_i64(st, 0);
    else if (rc == HQ_DONE && h->db)
        h->run_id = sqlite3_last_insert_rowid(h->db);
    if (rc < 0)
        hist_fail(h, err, "history: recording the run");
    hq_finalize(st);
    if (rc < 0)
        return KPT_E_IO;
    h->rh.run_id = h->run_id;
    return 0;
}

int
hist_lock(struct hist_db *h, struct buf *err)
{
    if (h->locked)
        return 0;
    if (h->pg ? hist_pg_end_copy(h, err) < 0 : hist_lite_lock(h, err) < 0)
        return KPT_E_IO;
    if (hist_exec(h, h->d->begin_write, err) < 0)
        return KPT_E_IO;
    h->locked = 1;
    if (insert_run(h, err) < 0 ||
        load_targets(h, err) < 0) /* what triage says now, under the lock */
        return KPT_E_IO;
    return h->pg ? hist_pg_flush(h, err) : 0;
}

int
hist_add(struct hist_db *h, struct arena *a, const struct kpt_report *r, struct buf *err)
{
    if (!r->identity || !r->sig_id || !r->signature)
        return 0; /* not signed: nothing to record */
    if (h->pg)
        return hist_pg_add(h, a, r, err);
    return hist_lock(h, err) < 0 ? KPT_E_IO : hist_lite_add(h, a, r, err);
}

const struct hist_target *
hist_target(const struct hist_db *h, const char *sig)
{
    struct hist_target key;

    if (!h || !h->ntargets || !sig)
        return NULL;
    key.from = (char *)sig;
    return bsearch(&key, h->targets, h->ntargets, sizeof(*h->targets), cmp_target);
}

/* one statement of the commit whose only parameter, ?1, is the run's id */
static int
exec_run(struct hist_db *h, const char *sql, struct buf *err)
{
    struct hq *st;
    int rc;

    if (hist_prepare(h, sql, &st, err) < 0)
        return KPT_E_IO;
    hq_bind_int(st, 1, h->run_id);
    rc = hq_step(st);
    return hq_end(st, rc == HQ_DONE, err, "history: writing the run");
}

/* the clusters' counts of reports: each gains the run's new reports and those an earlier
 * run had recorded under another signature, and loses those signed otherwise now */
static int
cluster_totals(struct hist_db *h, struct buf *err)
{
    struct hq *st;
    size_t i;
    int rc = HQ_DONE;

    if (hist_prepare(h, h->d->cluster_total, &st, err) < 0)
        return KPT_E_IO;
    for (i = 0; i < h->sigc.n && rc == HQ_DONE; i++) {
        int64_t d = hist_count_change(&h->sigc.v[i]);

        if (!d)
            continue;
        hist_bind_text(st, 1, h->sigc.v[i].key);
        hq_bind_int(st, 2, d);
        rc = hq_queue(st) < 0 ? -1 : HQ_DONE;
    }
    if (hq_drain(h) < 0)
        rc = -1;
    return hq_end(st, rc == HQ_DONE, err, "history: counting the clusters' reports");
}

/* a row of the run for each entry of c with reports of the run: ?1 the run, ?2 the key,
 * ?3 its new reports, ?4 its reports (a signature met only in copies, or only moved out
 * of, has none) */
static int
write_counts(struct hist_db *h, const char *sql, const struct hist_counts *c, struct buf *err)
{
    struct hq *st;
    size_t i;
    int rc = HQ_DONE;

    if (hist_prepare(h, sql, &st, err) < 0)
        return KPT_E_IO;
    for (i = 0; i < c->n && rc == HQ_DONE; i++) {
        if (!c->v[i].reports && !c->v[i].new_reports)
            continue;
        hq_bind_int(st, 1, h->run_id);
        hist_bind_text(st, 2, c->v[i].key);
        hq_bind_int(st, 3, (int64_t)c->v[i].new_reports);
        hq_bind_int(st, 4, (int64_t)c->v[i].reports);
        rc = hq_queue(st) < 0 ? -1 : HQ_DONE;
    }
    if (hq_drain(h) < 0)
        rc = -1;
    return hq_end(st, rc == HQ_DONE, err, "history: writing the run");
}

/* the run's transaction rolled back, the history as it was before the run */
static void
abandon(struct hist_db *h)
{
    hist_rollback(h);
    if (h->db)
        sqlite3_exec(h->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    h->locked = 0;
    h->written = 0;
}

int
hist_write(struct hist_db *h, const struct kpt_summary *s, struct buf *err)
{
    struct hq *st = NULL;
    char when[24];
    size_t i;
    time_t now = time(NULL);

    if (!h->locked)
        return kpt_fail(err, KPT_E_IO, "history: the run was not annotated");
    if (hist_joins_write(h, err) < 0) /* before the clusters: a joined one is not written */
        goto fail;
    /* the clusters (the reports written as they came and the run's counts refer to them) */
    if (exec_run(
            h,
            "INSERT INTO clusters(signature_id, signature, class, culprit, first_run, last_run)"
            " SELECT sig, signature, class, culprit, CAST(?1 AS bigint), CAST(?1 AS bigint) FROM "
            "cur_sig WHERE true"
            " ON CONFLICT(signature_id) DO UPDATE SET signature = excluded.signature,"
            " class = excluded.class, culprit = coalesce(excluded.culprit, clusters.culprit),"
            " last_run = excluded.last_run",
            err) < 0)
        goto fail;
    if (cluster_totals(h, err) < 0)
        goto fail;
    if (hist_prepare(
            h, "UPDATE clusters SET status = 'open', regressed_run = ?1 WHERE signature_id = ?2",
            &st, err) < 0)
        goto fail;
    for (i = 0; i < s->nclusters && i < h->nclusters; i++) {
        if (h->rh.clusters[i].flag != KPT_HF_REGRESSED)
            continue;
        hq_bind_int(st, 1, h->run_id);
        hist_bind_text(st, 2, s->clusters[i].id_hex);
        if (hq_step(st) != HQ_DONE)
            goto sqlfail;
        hq_reset(st);
    }
    hq_finalize(st);
    st = NULL;
    /* the per-run counts, as hist_add() kept them */
    if (write_counts(h,
                     "INSERT INTO run_clusters(run_id, signature_id, reports, new_reports)"
                     " VALUES (?1, ?2, ?4, ?3)",
                     &h->sigc, err) < 0 ||
        write_counts(h, "INSERT INTO run_builds(run_id, os_build, new_reports) VALUES (?1, ?2, ?3)",
                     &h->buildc, err) < 0)
        goto fail;
    hist_time_text(when, (int64_t)now);
    if (hist_prepare(
            h,
            "UPDATE runs SET ended = ?2, algorithm = ?3, rules = ?4, files = ?5, ok = ?6,"
            " partial = ?7, rejected = ?8, excluded = ?9, clusters = ?10, new_reports = ?11,"
            " known_reports = ?12, copies = ?13 WHERE id = ?1",
            &st, err) < 0)
        goto fail;
    hq_bind_int(st, 1, h->run_id);
    hist_bind_text(st, 2, when);
    hist_bind_text(st, 3, s->algo ? s->algo : "");
    hist_bind_text(st, 4, s->rules ? s->rules : "");
    hq_bind_int(st, 5, (int64_t)s->files);
    hq_bind_int(st, 6, (int64_t)s->ok);
    hq_bind_int(st, 7, (int64_t)s->partial);
    hq_bind_int(st, 8, (int64_t)s->rejected);
    hq_bind_int(st, 9, (int64_t)s->excluded);
    hq_bind_int(st, 10, (int64_t)s->nclusters);
    hq_bind_int(st, 11, (int64_t)h->rh.reports_new);
    hq_bind_int(st, 12, (int64_t)h->rh.reports_known);
    hq_bind_int(st, 13, (int64_t)h->rh.copies);
    if (hq_step(st) != HQ_DONE)
        goto sqlfail;
    hq_finalize(st);
    h->written = 1;
    return 0;
sqlfail:
    hist_fail(h, err, "history: writing the run");
fail:
    hq_finalize(st);
    abandon(h);
    return KPT_E_IO;
}

int
hist_commit(struct hist_db *h, struct buf *err)
{
    if (!h->locked || !h->written)
        return kpt_fail(err, KPT_E_IO, "history: the run was not written");
    h->written = 0;
    if (hist_exec(h, "COMMIT", err) < 0) {
        abandon(h);
        return KPT_E_IO;
    }
    h->locked = 0;
    return h->db ? hist_exec(h, "PRAGMA foreign_keys = ON", err) : 0;
}

void
hist_run_release(struct hist_db *h)
{
    size_t i;

    hist_lite_release(h);
    for (i = 0; i < h->ntargets; i++) {
        free(h->targets[i].from);
        free(h->targets[i].id);
        free(h->targets[i].signature);
        free(h->targets[i].panic_class);
    }
    free(h->targets);
    h->targets = NULL;
    h->ntargets = 0;
    hist_joins_release(h);
    hist_counts_release(&h->sigc);
    hist_counts_release(&h->buildc);
    if (h->rh.clusters) {
        struct kpt_cluster_hist *ch = (struct kpt_cluster_hist *)h->rh.clusters;

        for (i = 0; i < h->nclusters; i++)
            hist_cluster_hist_release(&ch[i]);
        free(ch);
    }
    for (i = 0; i < h->rh.nbuilds; i++) {
        free(h->rh.builds[i].build);
        free(h->rh.builds[i].trend);
    }
    free((void *)h->rh.builds);
    memset(&h->rh, 0, sizeof(h->rh));
    h->nclusters = 0;
}
