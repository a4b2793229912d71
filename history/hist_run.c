/*
 * hist_run.c - one run recorded into the history: begun, the write lock (taken at the run's
 * first signed report: its last pass, after symbolication), each report written as it
 * comes, triage's merges, and the commit.
 *
 * Each report goes straight into the reports table inside the run's one transaction: an
 * identity no run recorded is inserted, one an earlier run recorded is updated, a second
 * copy in this run changes nothing (the first copy met wins). The run's counts per
 * signature and per build are kept here (as many as the run has clusters and builds); its
 * signatures wait in temp.cur_sig, so that hist_annotate() (hist_annot.c) still tells the
 * clusters the history never saw, and hist_commit() writes clusters, their counts of
 * reports, the run's counts and the run, then commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char temp_sql[] =
    "CREATE TEMP TABLE cur_sig(sig TEXT PRIMARY KEY, signature TEXT NOT NULL, class TEXT,"
    " culprit TEXT) WITHOUT ROWID;"
    "CREATE TEMP TABLE cur_inputs(n INTEGER PRIMARY KEY, path TEXT NOT NULL);";

/*
 * A report of the run: inserted when no run recorded it; else its row read: recorded by an
 * earlier run (its last_run is another's), it is updated; met before in this run, it is left
 * alone. Plain statements of one row each: an upsert, or a RETURNING clause, would make
 * SQLite keep a statement journal of every page each report touches. OR IGNORE also ignores
 * a row that breaks any other constraint (one an admin added): then there is no row to read,
 * which is an error, not a copy.
 */
static const char add_sql[] =
    "INSERT OR IGNORE INTO reports(identity, first_run, last_run, path, signature_id, coarse_id,"
    " fine_id, hang_id, class, os_build, model, process, panic_time, culprit)"
    " VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char old_sql[] = "SELECT signature_id, last_run = ?2 FROM reports WHERE identity = ?1";
static const char known_sql[] =
    "UPDATE reports SET last_run = ?2, path = ?3, signature_id = ?4, coarse_id = ?5, fine_id = ?6,"
    " hang_id = ?7, class = ?8, culprit = ?13 WHERE identity = ?1";

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
    return hist_prepare(h, "INSERT OR IGNORE INTO cur_sig(sig, signature, class, culprit)"
                           " VALUES (?1, ?2, ?3, ?4)", &h->add_sig, err);
}

/* the run's row, so that its reports can name it (ended stays NULL until the commit) */
static int
insert_run(struct hist_db *h, struct buf *err)
{
    sqlite3_stmt *st;
    char when[24];
    int rc;

    hist_time_text(when, h->started);
    if (hist_prepare(h, "INSERT INTO runs(kind, started, tool_version, algorithm, rules, inputs)"
                        " VALUES (?1, ?2, ?3, '', '', (SELECT json_group_array(path) FROM"
                        " (SELECT path FROM cur_inputs ORDER BY n)))", &st, err) < 0)
        return KPT_E_IO;
    hist_bind_text(st, 1, h->kind);
    hist_bind_text(st, 2, when);
    hist_bind_text(st, 3, KPT_VERSION);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hist_fail(h, err, "history: recording the run");
    h->run_id = h->rh.run_id = sqlite3_last_insert_rowid(h->db);
    return 0;
}

int
hist_lock(struct hist_db *h, struct buf *err)
{
    char pragma[64];

    if (h->locked)
        return 0;
    /* the run's rows refer to its own run and to the clusters it writes at the commit:
     * correct by construction, so SQLite need not look up three parents for each of them
     * (the pragma only changes outside a transaction; hist_commit() turns the checks on
     * again). The reports' pages stay in the cache until the commit (HIST_CACHE_KB). */
    snprintf(pragma, sizeof(pragma), "PRAGMA main.cache_size = -%d", HIST_CACHE_KB);
    if (hist_exec(h, pragma, err) < 0 || hist_exec(h, "PRAGMA foreign_keys = OFF", err) < 0 ||
        hist_exec(h, "BEGIN IMMEDIATE", err) < 0)
        return KPT_E_IO;
    h->locked = 1;
    if (insert_run(h, err) < 0 || load_targets(h, err) < 0) /* what triage says now, under the lock */
        return KPT_E_IO;
    if (hist_prepare(h, add_sql, &h->add, err) < 0 || hist_prepare(h, old_sql, &h->old, err) < 0)
        return KPT_E_IO;
    return hist_prepare(h, known_sql, &h->known, err);
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

struct key_find {
    const struct hist_counts *c;
    const char *key;
};

static int
same_key(const void *ctx, size_t i)
{
    const struct key_find *f = ctx;

    return !strcmp(f->c->v[i].key, f->key);
}

/* key's entry of c, added (counts 0) when c has none */
static struct hist_count *
count_of(struct hist_counts *c, const char *key)
{
    struct key_find f = { c, key };
    uint64_t hash = XXH3_64bits(key, strlen(key)); /* as the cluster table's pool */
    size_t i = hindex_find(&c->ix, hash, same_key, &f);

    if (i == SIZE_MAX) {
        VEC_GROW(c->v, c->n + 1, c->cap);
        i = c->n++;
        memset(&c->v[i], 0, sizeof(c->v[i]));
        c->v[i].key = xstrdup(key);
        hindex_add(&c->ix, hash, i);
    }
    return &c->v[i];
}

int64_t
hist_count_change(const struct hist_count *c)
{
    return (int64_t)(c->new_reports + c->moved_in) - (int64_t)c->moved_out;
}

void
hist_counts_release(struct hist_counts *c)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        free(c->v[i].key);
    free(c->v);
    hindex_release(&c->ix);
    memset(c, 0, sizeof(*c));
}

/* one statement of write_report(): its changes, or -1 */
static int
step_changes(struct hist_db *h, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    return rc == SQLITE_DONE ? sqlite3_changes(h->db) : -1;
}

/* the values add_sql and known_sql share (?1, ?3 to ?8 and ?13) into st; none of the
 * table's NOT NULL columns gets a NULL (identity and signature are there, the path is ""
 * at worst), so that OR IGNORE ignores only an identity recorded already */
static void
bind_shared(sqlite3_stmt *st, const struct kpt_report *r)
{
    bind_borrowed(st, 1, r->identity);
    bind_borrowed(st, 3, r->path ? r->path : "");
    bind_borrowed(st, 4, r->sig_id);
    bind_borrowed(st, 5, r->coarse_id);
    bind_borrowed(st, 6, r->fine_id);
    bind_borrowed(st, 7, r->hang ? r->hang->hang_id : NULL);
    bind_borrowed(st, 8, r->panic_class);
    bind_borrowed(st, 13, r->culprit);
}

/*
 * The report's row: 1 inserted (no run recorded it), 0 updated (an earlier run did; its
 * signature then was *was, or NULL when the same), 2 a copy met before in this run (nothing
 * changed), or KPT_E_IO.
 */
static int
write_report(struct hist_db *h, struct arena *a, const struct kpt_report *r, const char **was,
             struct buf *err)
{
    sqlite3_stmt *st = h->add;
    int rc;

    *was = NULL;
    bind_shared(st, r);
    sqlite3_bind_int64(st, 2, h->run_id);
    bind_borrowed(st, 9, r->os_build);
    bind_borrowed(st, 10, r->model);
    bind_borrowed(st, 11, r->process);
    bind_borrowed(st, 12, r->has_when ? kpt_time_text(a, r->when, r->when_local) : NULL);
    if ((rc = step_changes(h, st)) != 0)
        goto out;
    st = h->old;
    bind_borrowed(st, 1, r->identity);
    sqlite3_bind_int64(st, 2, h->run_id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            return kpt_fail(err, KPT_E_IO, "history: a report was not recorded (a constraint on the reports"
                                           " table refused it)");
        return hist_fail(h, err, "history: recording a report");
    }
    if (sqlite3_column_int(st, 1)) {
        rc = 2; /* a copy */
    } else {
        const char *sig = (const char *)sqlite3_column_text(st, 0);

        if (sig && strcmp(sig, r->sig_id))
            *was = arena_strdup(a, sig);
        rc = 0;
    }
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = -1;
    sqlite3_reset(st);
    if (rc == 0) {
        st = h->known;
        bind_shared(st, r);
        sqlite3_bind_int64(st, 2, h->run_id);
        rc = step_changes(h, st) == 1 ? 0 : -1;
    }
out:
    return rc >= 0 ? rc : hist_fail(h, err, "history: recording a report");
}

int
hist_add(struct hist_db *h, struct arena *a, const struct kpt_report *r, struct buf *err)
{
    struct hist_count *sc;
    sqlite3_stmt *st;
    const char *was;
    int rc;

    if (!r->identity || !r->sig_id || !r->signature)
        return 0; /* not signed: nothing to record */
    if (hist_lock(h, err) < 0 || (rc = write_report(h, a, r, &was, err)) < 0)
        return KPT_E_IO;
    sc = count_of(&h->sigc, r->sig_id);
    if (rc == 2) {
        h->rh.copies++;
    } else {
        sc->reports++;
        sc->new_reports += (size_t)rc;
        if (rc)
            count_of(&h->buildc, r->os_build ? r->os_build : "?")->new_reports++;
        if (was) { /* signed otherwise by an earlier run: the report moves */
            sc->moved_in++;
            count_of(&h->sigc, was)->moved_out++;
            sc = count_of(&h->sigc, r->sig_id); /* v may have moved */
        }
    }
    if (sc->met)
        return 0;
    sc->met = 1;
    /* a signature's row is its first report's */
    st = h->add_sig;
    bind_borrowed(st, 1, r->sig_id);
    bind_borrowed(st, 2, r->signature);
    bind_borrowed(st, 3, r->panic_class);
    bind_borrowed(st, 4, r->culprit);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : hist_fail(h, err, "history: recording a report");
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

/* the clusters' counts of reports: each gains the run's new reports and those an earlier
 * run had recorded under another signature, and loses those signed otherwise now */
static int
cluster_totals(struct hist_db *h, struct buf *err)
{
    sqlite3_stmt *st;
    size_t i;
    int rc = SQLITE_DONE;

    if (hist_prepare(h, "UPDATE clusters SET reports = max(0, reports + ?2) WHERE signature_id = ?1",
                     &st, err) < 0)
        return KPT_E_IO;
    for (i = 0; i < h->sigc.n && rc == SQLITE_DONE; i++) {
        int64_t d = hist_count_change(&h->sigc.v[i]);

        if (!d)
            continue;
        hist_bind_text(st, 1, h->sigc.v[i].key);
        sqlite3_bind_int64(st, 2, d);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : hist_fail(h, err, "history: counting the clusters' reports");
}

/* a row of the run for each entry of c with reports of the run: ?1 the run, ?2 the key,
 * ?3 its reports, ?4 its new reports (a signature met only in copies, or only moved out
 * of, has none) */
static int
write_counts(struct hist_db *h, const char *sql, const struct hist_counts *c, struct buf *err)
{
    sqlite3_stmt *st;
    size_t i;
    int rc = SQLITE_DONE;

    if (hist_prepare(h, sql, &st, err) < 0)
        return KPT_E_IO;
    for (i = 0; i < c->n && rc == SQLITE_DONE; i++) {
        if (!c->v[i].reports && !c->v[i].new_reports)
            continue;
        sqlite3_bind_int64(st, 1, h->run_id);
        hist_bind_text(st, 2, c->v[i].key);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)c->v[i].reports);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)c->v[i].new_reports);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
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

    if (!h->locked)
        return kpt_fail(err, KPT_E_IO, "history: the run was not annotated");
    /* the clusters (the reports written as they came and the run's counts refer to them) */
    if (exec_run(h, "INSERT INTO clusters(signature_id, signature, class, culprit, first_run, last_run)"
                    " SELECT sig, signature, class, culprit, ?1, ?1 FROM cur_sig WHERE true"
                    " ON CONFLICT(signature_id) DO UPDATE SET signature = excluded.signature,"
                    " class = excluded.class, culprit = coalesce(excluded.culprit, culprit),"
                    " last_run = excluded.last_run", err) < 0)
        goto fail;
    if (cluster_totals(h, err) < 0)
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
    /* the per-run counts, as hist_add() kept them */
    if (write_counts(h, "INSERT INTO run_clusters(run_id, signature_id, reports, new_reports)"
                        " VALUES (?1, ?2, ?3, ?4)", &h->sigc, err) < 0 ||
        write_counts(h, "INSERT INTO run_builds(run_id, os_build, new_reports) VALUES (?1, ?2, ?4)",
                     &h->buildc, err) < 0)
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
    sqlite3_finalize(h->old);
    sqlite3_finalize(h->known);
    sqlite3_finalize(h->add_sig);
    h->add = h->old = h->known = h->add_sig = NULL;
    for (i = 0; i < h->ntargets; i++) {
        free(h->targets[i].from);
        free(h->targets[i].id);
        free(h->targets[i].signature);
        free(h->targets[i].panic_class);
    }
    free(h->targets);
    h->targets = NULL;
    h->ntargets = 0;
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
