/*
 * hist_run.c - one run recorded into the history: begun (its temporary tables), its
 * reports added as they come, the write lock and triage's merges, and the commit.
 *
 * temp.cur holds the run's reports (one row per identity, the first copy met), temp.cur_sig
 * its signatures. Once the clusters are known, hist_annotate() (hist_annot.c) reads what the
 * history says of them under the write lock; hist_commit() writes clusters, per-run counts
 * and reports, then commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/xalloc.h"

/* cur_in: the run's reports as they come (appended); cur: one narrow row per identity, the
 * first copy met (rid: its cur_in row), what the annotation and the counts need */
static const char temp_sql[] =
    "CREATE TEMP TABLE cur_in(identity TEXT NOT NULL, path TEXT NOT NULL, sig TEXT NOT NULL,"
    " coarse_id TEXT, fine_id TEXT, hang_id TEXT, class TEXT, os_build TEXT, model TEXT,"
    " process TEXT, panic_time TEXT, culprit TEXT);"
    "CREATE TEMP TABLE cur(identity TEXT PRIMARY KEY, rid INTEGER NOT NULL, sig TEXT NOT NULL,"
    " os_build TEXT) WITHOUT ROWID;"
    "CREATE TEMP TABLE cur_sig(sig TEXT PRIMARY KEY, signature TEXT NOT NULL, class TEXT,"
    " culprit TEXT) WITHOUT ROWID;"
    "CREATE TEMP TABLE cur_inputs(n INTEGER PRIMARY KEY, path TEXT NOT NULL);";

static int
cmp_target(const void *x, const void *y)
{
    return strcmp(((const struct hist_target *)x)->from, ((const struct hist_target *)y)->from);
}

/* every merge triage recorded, with its target's signature and class */
static int
load_targets(struct hist_db *h, struct buf *err)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;

    if (hist_prepare(h, "SELECT s.signature_id, t.signature_id, t.signature, t.class FROM clusters s"
                        " JOIN clusters t ON t.signature_id = s.merged_into", &st, err) < 0)
        return KPT_E_IO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct hist_target *t;
        char *id = hist_text(st, 1), *end = NULL;

        if (!id || strlen(id) != 16 || (strtoull(id, &end, 16), *end)) {
            free(id); /* a target that is no signature id: no merge */
            continue;
        }
        VEC_GROW(h->targets, h->ntargets + 1, cap);
        t = &h->targets[h->ntargets++];
        t->from = hist_text(st, 0);
        t->id = id;
        t->key = strtoull(id, NULL, 16);
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
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hist_fail(h, err, "history: reading the merges");
    if (h->ntargets > 1)
        qsort(h->targets, h->ntargets, sizeof(*h->targets), cmp_target);
    return 0;
}

int
hist_begin(struct hist_db *h, const char *kind, int64_t started, char *const *inputs, size_t ninputs,
           struct buf *err)
{
    sqlite3_stmt *st;
    size_t i;

    h->kind = kind;
    h->started = started;
    if (hist_exec(h, temp_sql, err) < 0)
        return KPT_E_IO;
    if (hist_prepare(h, "INSERT INTO cur_inputs(path) VALUES (?1)", &st, err) < 0)
        return KPT_E_IO;
    for (i = 0; i < ninputs; i++) {
        hist_bind_text(st, 1, inputs[i]);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return hist_fail(h, err, "history: recording the inputs");
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (hist_prepare(h, "INSERT INTO cur_in(identity, path, sig, coarse_id, fine_id, hang_id,"
                        " class, os_build, model, process, panic_time, culprit)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", &h->add, err) < 0 ||
        hist_prepare(h, "INSERT OR IGNORE INTO cur_sig(sig, signature, class, culprit)"
                        " VALUES (?1, ?2, ?3, ?4)", &h->add_sig, err) < 0)
        return KPT_E_IO;
    return 0;
}

/*
 * The reports met so far into temp.cur, one narrow row per identity (the first copy met),
 * pointing at its row of temp.cur_in, where hist_add() appended it. Inserting each report
 * into a B-tree by identity as it came, in random order, made SQLite spill and read back
 * the tree's pages for every report once it outgrew its page cache; copying the whole rows
 * into cur in identity order (SQLite's sorter) cost a sort and a B-tree of every whole row,
 * which hist_annotate() then rewrote. cur keeps only the identity, the row id, the
 * signature and the build; the commit reads cur_in once, in order, keeps the rows cur
 * points at and sorts them by identity for the reports table (reading cur_in by row id in
 * cur's order instead was one 4 KB read of the temporary file per report).
 */
static int
flush_in(struct hist_db *h, struct buf *err)
{
    sqlite3_stmt *st;
    int rc;

    if (!h->pending)
        return 0;
    if ((rc = hist_prepare(h, "INSERT OR IGNORE INTO cur(identity, rid, sig, os_build)"
                              " SELECT identity, rowid, sig, os_build FROM cur_in WHERE rowid > ?1"
                              " ORDER BY identity, rowid", &st, err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, h->flushed);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hist_fail(h, err, "history: recording the run's reports");
    /* the rows not inserted: identities met earlier in this run */
    h->rh.copies += h->pending - (size_t)sqlite3_changes(h->db);
    h->pending = 0;
    h->flushed = h->last_rid;
    return 0;
}

int
hist_lock(struct hist_db *h, struct buf *err)
{
    if (h->locked)
        return flush_in(h, err);
    if (flush_in(h, err) < 0)
        return KPT_E_IO;
    /* the run's rows refer to its own run and to the clusters it writes first: correct by
     * construction, so SQLite need not look up three parents for each of them (the pragma
     * only changes outside a transaction; hist_commit() turns the checks on again) */
    if (hist_exec(h, "PRAGMA foreign_keys = OFF", err) < 0 || hist_exec(h, "BEGIN IMMEDIATE", err) < 0)
        return KPT_E_IO;
    h->locked = 1;
    return load_targets(h, err); /* what triage says now, under the lock */
}

/* s (may be NULL) as parameter i, not copied: every parameter of hist_add()'s statements
 * is bound again before each step, and the step is over before the report's arena is */
static void
bind_borrowed(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static uint64_t
str_hash(const char *s)
{
    uint64_t x = 1469598103934665603ull; /* FNV-1a */

    for (; *s; s++)
        x = (x ^ (unsigned char)*s) * 1099511628211ull;
    return hindex_mix(x);
}

struct sig_find {
    const struct hist_db *h;
    const char *sig;
};

static int
same_sig(const void *ctx, size_t i)
{
    const struct sig_find *f = ctx;

    return !strcmp(f->h->sigs[i], f->sig);
}

int
hist_add(struct hist_db *h, struct arena *a, const struct kpt_report *r, struct buf *err)
{
    sqlite3_stmt *st = h->add;
    struct sig_find f = { h, r->sig_id };
    uint64_t hash;

    if (!r->identity || !r->sig_id || !r->signature)
        return 0; /* not signed: nothing to record */
    bind_borrowed(st, 1, r->identity);
    bind_borrowed(st, 2, r->path);
    bind_borrowed(st, 3, r->sig_id);
    bind_borrowed(st, 4, r->coarse_id);
    bind_borrowed(st, 5, r->fine_id);
    bind_borrowed(st, 6, r->hang ? r->hang->hang_id : NULL);
    bind_borrowed(st, 7, r->panic_class);
    bind_borrowed(st, 8, r->os_build);
    bind_borrowed(st, 9, r->model);
    bind_borrowed(st, 10, r->process);
    bind_borrowed(st, 11, r->has_when ? kpt_time_text(a, r->when, r->when_local) : NULL);
    bind_borrowed(st, 12, r->culprit);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_reset(st);
        return hist_fail(h, err, "history: recording a report");
    }
    sqlite3_reset(st);
    h->pending++; /* in cur_in, for flush_in() */
    h->last_rid = sqlite3_last_insert_rowid(h->db);
    /* a signature's row is its first report's (INSERT OR IGNORE): the next reports of the
     * cluster need no statement at all */
    hash = str_hash(r->sig_id);
    if (hindex_find(&h->sig_ix, hash, same_sig, &f) != SIZE_MAX)
        return 0;
    st = h->add_sig;
    bind_borrowed(st, 1, r->sig_id);
    bind_borrowed(st, 2, r->signature);
    bind_borrowed(st, 3, r->panic_class);
    bind_borrowed(st, 4, r->culprit);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_reset(st);
        return hist_fail(h, err, "history: recording a report");
    }
    sqlite3_reset(st);
    VEC_GROW(h->sigs, h->nsigs + 1, h->capsigs);
    h->sigs[h->nsigs] = xstrdup(r->sig_id);
    hindex_add(&h->sig_ix, hash, h->nsigs++);
    return 0;
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
    sqlite3_stmt *st;
    int rc;

    if (hist_prepare(h, sql, &st, err) < 0)
        return KPT_E_IO;
    sqlite3_bind_int64(st, 1, h->run_id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : hist_fail(h, err, "history: writing the run");
}

int
hist_commit(struct hist_db *h, const struct kpt_summary *s, struct buf *err)
{
    sqlite3_stmt *st = NULL;
    char when[24];
    size_t i;
    time_t now = time(NULL);

    if (!h->locked) {
        return kpt_fail(err, KPT_E_IO, "history: the run was not annotated");
    }
    /* the clusters first (reports and run counts refer to them) */
    if (exec_run(h, "INSERT INTO clusters(signature_id, signature, class, culprit, first_run, last_run)"
                    " SELECT sig, signature, class, culprit, ?1, ?1 FROM cur_sig WHERE true"
                    " ON CONFLICT(signature_id) DO UPDATE SET signature = excluded.signature,"
                    " class = excluded.class, culprit = coalesce(excluded.culprit, culprit),"
                    " last_run = excluded.last_run", err) < 0)
        goto fail;
    if (hist_prepare(h, "UPDATE clusters SET status = 'open', regressed_run = ?1 WHERE signature_id = ?2",
                     &st, err) < 0)
        goto fail;
    for (i = 0; i < s->nclusters && i < h->nclusters; i++) {
        if (h->rh.clusters[i].flag != KPT_HF_REGRESSED)
            continue;
        sqlite3_bind_int64(st, 1, h->run_id);
        hist_bind_text(st, 2, s->clusters[i].id_hex);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto sqlfail;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    /* the per-run counts (hist_annotate() counted what is new before the reports change) */
    if (hist_prepare(h, "INSERT INTO run_clusters(run_id, signature_id, reports, new_reports)"
                        " VALUES (?1, ?2, ?3, ?4)", &st, err) < 0)
        goto fail;
    for (i = 0; i < h->nsigc; i++) {
        sqlite3_bind_int64(st, 1, h->run_id);
        hist_bind_text(st, 2, h->sigc[i].sig);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)h->sigc[i].reports);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)h->sigc[i].new_reports);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto sqlfail;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (exec_run(h, "INSERT INTO reports(identity, first_run, last_run, path, signature_id, coarse_id,"
                    " fine_id, hang_id, class, os_build, model, process, panic_time, culprit)"
                    " SELECT identity, ?1, ?1, path, sig, coarse_id, fine_id, hang_id, class, os_build,"
                    " model, process, panic_time, culprit FROM cur_in WHERE rowid IN (SELECT rid FROM cur)"
                    " ORDER BY identity"
                    " ON CONFLICT(identity) DO UPDATE SET last_run = excluded.last_run,"
                    " path = excluded.path, signature_id = excluded.signature_id,"
                    " coarse_id = excluded.coarse_id, fine_id = excluded.fine_id,"
                    " hang_id = excluded.hang_id, class = excluded.class, culprit = excluded.culprit", err) < 0)
        goto fail;
    hist_time_text(when, (int64_t)now);
    if (hist_prepare(h, "UPDATE runs SET ended = ?2, algorithm = ?3, rules = ?4, files = ?5, ok = ?6,"
                        " partial = ?7, rejected = ?8, excluded = ?9, clusters = ?10, new_reports = ?11,"
                        " known_reports = ?12, copies = ?13 WHERE id = ?1", &st, err) < 0)
        goto fail;
    sqlite3_bind_int64(st, 1, h->run_id);
    hist_bind_text(st, 2, when);
    hist_bind_text(st, 3, s->algo ? s->algo : "");
    hist_bind_text(st, 4, s->rules ? s->rules : "");
    sqlite3_bind_int64(st, 5, (sqlite3_int64)s->files);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)s->ok);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)s->partial);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)s->rejected);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)s->excluded);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)s->nclusters);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)h->rh.reports_new);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)h->rh.reports_known);
    sqlite3_bind_int64(st, 13, (sqlite3_int64)h->rh.copies);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlfail;
    sqlite3_finalize(st);
    st = NULL;
    if (hist_exec(h, "COMMIT", err) < 0)
        goto fail;
    h->locked = 0;
    return hist_exec(h, "PRAGMA foreign_keys = ON", err);
sqlfail:
    hist_fail(h, err, "history: writing the run");
fail:
    sqlite3_finalize(st);
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(h->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    h->locked = 0;
    return KPT_E_IO;
}

void
hist_run_release(struct hist_db *h)
{
    size_t i;

    sqlite3_finalize(h->add);
    sqlite3_finalize(h->add_sig);
    h->add = h->add_sig = NULL;
    for (i = 0; i < h->ntargets; i++) {
        free(h->targets[i].from);
        free(h->targets[i].id);
        free(h->targets[i].signature);
        free(h->targets[i].panic_class);
    }
    free(h->targets);
    h->targets = NULL;
    h->ntargets = 0;
    for (i = 0; i < h->nsigs; i++)
        free(h->sigs[i]);
    free(h->sigs);
    h->sigs = NULL;
    h->nsigs = h->capsigs = 0;
    hindex_release(&h->sig_ix);
    for (i = 0; i < h->nsigc; i++)
        free(h->sigc[i].sig);
    free(h->sigc);
    h->sigc = NULL;
    h->nsigc = 0;
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
