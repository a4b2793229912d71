/*
 * hist_run.c - one run recorded into the history.
 *
 * temp.cur holds the run's reports (one row per identity, the first copy met), temp.cur_sig
 * its signatures. Once the clusters are known, hist_annotate() takes the write lock, inserts
 * the run's row (so that the run has its id), marks which reports no earlier run recorded
 * and under which cluster each is shown, and reads counts, trends and triage per cluster;
 * hist_commit() writes clusters, per-run counts and reports, then commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history/hist_int.h"
#include "util/xalloc.h"

static const char temp_sql[] =
    "CREATE TEMP TABLE cur(identity TEXT PRIMARY KEY, path TEXT NOT NULL, sig TEXT NOT NULL,"
    " coarse_id TEXT, fine_id TEXT, hang_id TEXT, class TEXT, os_build TEXT, model TEXT,"
    " process TEXT, panic_time TEXT, culprit TEXT, shown TEXT, new INTEGER) WITHOUT ROWID;"
    "CREATE TEMP TABLE cur_in(identity TEXT NOT NULL, path TEXT NOT NULL, sig TEXT NOT NULL,"
    " coarse_id TEXT, fine_id TEXT, hang_id TEXT, class TEXT, os_build TEXT, model TEXT,"
    " process TEXT, panic_time TEXT, culprit TEXT);"
    "CREATE TEMP TABLE cur_sig(sig TEXT PRIMARY KEY, signature TEXT NOT NULL, class TEXT,"
    " culprit TEXT) WITHOUT ROWID;"
    "CREATE TEMP TABLE cur_inputs(n INTEGER PRIMARY KEY, path TEXT NOT NULL);";

const char hist_trend_sql[] =
    "SELECT run_id, sum(new_reports) FROM run_clusters WHERE run_id >= ?2 AND (signature_id = ?1"
    " OR signature_id IN (SELECT signature_id FROM clusters WHERE merged_into = ?1))"
    " GROUP BY run_id ORDER BY run_id";

static void
time_text(char out[24], int64_t t)
{
    struct arena *a = arena_new(256);
    const char *s = kpt_time_text(a, t, 0);

    snprintf(out, 24, "%s", s);
    arena_free(a);
}

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
        return -1;
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
        return -1;
    if (hist_prepare(h, "INSERT INTO cur_inputs(path) VALUES (?1)", &st, err) < 0)
        return -1;
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
        return -1;
    return 0;
}

/*
 * The reports met so far into temp.cur, one row per identity, the first copy met kept.
 * hist_add() appends to temp.cur_in, whose pages are written once each; inserting each
 * report into cur's B-tree as it came, in random identity order, made SQLite spill and
 * read back cur's pages for every report once cur outgrew its page cache (~330,000
 * 4 KB reads and writes of the temp file at 100,000 reports). Sorted by identity (SQLite's
 * sorter: sequential runs), they build cur in order.
 */
static int
flush_in(struct hist_db *h, struct buf *err)
{
    if (!h->pending)
        return 0;
    if (hist_exec(h, "INSERT OR IGNORE INTO cur(identity, path, sig, coarse_id, fine_id, hang_id,"
                     " class, os_build, model, process, panic_time, culprit)"
                     " SELECT identity, path, sig, coarse_id, fine_id, hang_id, class, os_build, model,"
                     " process, panic_time, culprit FROM cur_in ORDER BY identity, rowid", err) < 0)
        return -1;
    /* the rows not inserted: identities met earlier in this run */
    h->rh.copies += h->pending - (size_t)sqlite3_changes(h->db);
    h->pending = 0;
    return hist_exec(h, "DELETE FROM cur_in", err);
}

int
hist_lock(struct hist_db *h, struct buf *err)
{
    if (h->locked)
        return flush_in(h, err);
    if (flush_in(h, err) < 0)
        return -1;
    if (hist_exec(h, "BEGIN IMMEDIATE", err) < 0)
        return -1;
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

void
hist_cluster_hist_release(struct kpt_cluster_hist *ch)
{
    free(ch->bug);
    free(ch->note);
    free(ch->trend);
    kpt_strv_release(&ch->merged_from);
    memset(ch, 0, sizeof(*ch));
}

/* st, prepared once per history (*st NULL until then) and reset for the next use */
static int
cached(struct hist_db *h, sqlite3_stmt **st, const char *sql, struct buf *err)
{
    if (*st) {
        sqlite3_reset(*st);
        sqlite3_clear_bindings(*st);
        return 0;
    }
    return hist_prepare(h, sql, st, err);
}

int
hist_cluster_info(struct hist_db *h, const char *id, int with_total, struct kpt_cluster_hist *ch,
                  struct buf *err)
{
    sqlite3_stmt *st;
    int rc, found = 0;

    if (cached(h, &h->info_st, "SELECT c.status, c.bug, c.note,"
                               " (SELECT min(r.started) FROM clusters m JOIN runs r ON r.id = m.first_run"
                               "  WHERE m.signature_id = ?1 OR m.merged_into = ?1)"
                               " FROM clusters c WHERE c.signature_id = ?1", err) < 0)
        return -1;
    st = h->info_st;
    hist_bind_text(st, 1, id);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 0);

        found = 1;
        if (kpt_triage_parse(status, &ch->status) < 0)
            ch->status = KPT_TR_OPEN;
        ch->bug = hist_text(st, 1);
        ch->note = hist_text(st, 2);
        ch->first_seen = hist_time(sqlite3_column_text(st, 3));
        rc = SQLITE_DONE;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return hist_fail(h, err, "history: reading a cluster");
    if (!found)
        return 1;
    if (with_total) {
        if (cached(h, &h->total_st, "SELECT count(*) FROM reports WHERE signature_id = ?1 OR signature_id IN"
                                    " (SELECT signature_id FROM clusters WHERE merged_into = ?1)", err) < 0)
            return -1;
        st = h->total_st;
        hist_bind_text(st, 1, id);
        rc = sqlite3_step(st);
        ch->total = rc == SQLITE_ROW ? hist_count(st, 0) : 0;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            return hist_fail(h, err, "history: reading a cluster");
    }
    if (cached(h, &h->merged_st, "SELECT signature_id FROM clusters WHERE merged_into = ?1 ORDER BY 1", err) < 0)
        return -1;
    st = h->merged_st;
    hist_bind_text(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *m = hist_text(st, 0);

        if (m)
            kpt_strv_add(&ch->merged_from, m);
        free(m);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : hist_fail(h, err, "history: reading a cluster");
}

int
hist_trend(sqlite3_stmt *st, const char *id, const int64_t *run_ids, size_t n,
           size_t *trend)
{
    size_t k = 0;
    int rc;

    memset(trend, 0, n * sizeof(*trend));
    if (!n)
        return 0;
    sqlite3_reset(st);
    hist_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, run_ids[0]);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 run = sqlite3_column_int64(st, 0);

        while (k < n && run_ids[k] < run)
            k++;
        if (k < n && run_ids[k] == run)
            trend[k] = hist_count(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

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
    char *end;

    if (!hex)
        return SIZE_MAX;
    key.id = strtoull((const char *)hex, &end, 16);
    if (*end || end - (const char *)hex != 16)
        return SIZE_MAX;
    f = bsearch(&key, v, n, sizeof(*v), cmp_by_id);
    return f ? f->i : SIZE_MAX;
}

/* the runs of the trend: the last KPT_TREND_RUNS - 1 recorded, then this one */
static int
trend_runs(struct hist_db *h, struct buf *err)
{
    sqlite3_stmt *st;
    int64_t ids[KPT_TREND_RUNS], starts[KPT_TREND_RUNS];
    size_t n = 0, i;
    int rc;

    if (hist_prepare(h, "SELECT id, started FROM runs WHERE ended IS NOT NULL AND id < ?1"
                        " ORDER BY id DESC LIMIT ?2", &st, err) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, h->run_id);
    sqlite3_bind_int(st, 2, KPT_TREND_RUNS - 1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < KPT_TREND_RUNS - 1) {
        ids[n] = sqlite3_column_int64(st, 0);
        starts[n++] = hist_time(sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return hist_fail(h, err, "history: reading the runs");
    h->rh.ntrend = n + 1;
    {
        sqlite3_int64 runs;

        if (hist_prepare(h, "SELECT count(*) FROM runs WHERE ended IS NOT NULL", &st, err) < 0)
            return -1;
        runs = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
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

/* new reports per build over the trend's runs: the builds with most of them */
#define HIST_BUILDS 8
static int
build_trends(struct hist_db *h, struct buf *err)
{
    sqlite3_stmt *st;
    struct kpt_build_trend *b = NULL;
    size_t n = 0, cap = 0, i, k, nt = h->rh.ntrend;
    int rc;

    if (hist_prepare(h, "SELECT coalesce(os_build, '?'), first_run, count(*) FROM reports"
                        " WHERE first_run >= ?1 GROUP BY 1, 2"
                        " UNION ALL SELECT coalesce(os_build, '?'), ?2, count(*) FROM cur WHERE new"
                        " GROUP BY 1 ORDER BY 1, 2", &st, err) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, h->trend_ids[0]);
    sqlite3_bind_int64(st, 2, h->run_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *build = (const char *)sqlite3_column_text(st, 0);
        sqlite3_int64 run = sqlite3_column_int64(st, 1);

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
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        for (i = 0; i < n; i++) {
            free(b[i].build);
            free(b[i].trend);
        }
        free(b);
        return hist_fail(h, err, "history: reading the builds");
    }
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

/* counts of the run's reports per shown cluster: all, new; and of the history's others */
static int
cluster_counts(struct hist_db *h, struct kpt_cluster_hist *ch, const struct by_id *ids, size_t n,
               size_t *seen, struct buf *err)
{
    sqlite3_stmt *st;
    int rc;

    if (hist_prepare(h, "SELECT shown, count(*), sum(new) FROM cur GROUP BY shown", &st, err) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t i = find_cluster(ids, n, sqlite3_column_text(st, 0));

        if (i == SIZE_MAX)
            continue;
        seen[i] = hist_count(st, 1);
        ch[i].new_reports = hist_count(st, 2);
        h->rh.reports_new += ch[i].new_reports;
        h->rh.reports_known += seen[i] - ch[i].new_reports;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hist_fail(h, err, "history: counting the run's reports");
    if (hist_prepare(h, "SELECT coalesce(c.merged_into, r.signature_id), count(*) FROM reports r"
                        " LEFT JOIN clusters c ON c.signature_id = r.signature_id"
                        " WHERE NOT EXISTS (SELECT 1 FROM cur u WHERE u.identity = r.identity)"
                        " GROUP BY 1", &st, err) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t i = find_cluster(ids, n, sqlite3_column_text(st, 0));

        h->rh.reports_ever += hist_count(st, 1);
        if (i != SIZE_MAX)
            ch[i].total = hist_count(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hist_fail(h, err, "history: counting the history's reports");
    return 0;
}

int
hist_annotate(struct hist_db *h, const struct kpt_cluster *c, size_t n, const struct kpt_run_hist **out,
              struct buf *err)
{
    struct kpt_cluster_hist *ch = xcalloc(n ? n : 1, sizeof(*ch));
    struct by_id *ids = xcalloc(n ? n : 1, sizeof(*ids));
    size_t *seen = xcalloc(n ? n : 1, sizeof(*seen));
    sqlite3_stmt *st = NULL, *tr = NULL;
    char when[24];
    size_t i;
    int ret = -1;

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
    time_text(when, h->started);
    if (hist_prepare(h, "INSERT INTO runs(kind, started, tool_version, algorithm, rules, inputs)"
                        " VALUES (?1, ?2, ?3, '', '', (SELECT json_group_array(path) FROM"
                        " (SELECT path FROM cur_inputs ORDER BY n)))", &st, err) < 0)
        goto out;
    hist_bind_text(st, 1, h->kind);
    hist_bind_text(st, 2, when);
    hist_bind_text(st, 3, KPT_VERSION);
    if (sqlite3_step(st) != SQLITE_DONE) {
        hist_fail(h, err, "history: recording the run");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    h->run_id = h->rh.run_id = sqlite3_last_insert_rowid(h->db);
    /* which reports are new, and the cluster each is shown under */
    if (hist_exec(h, "UPDATE cur SET new = NOT EXISTS (SELECT 1 FROM reports r WHERE r.identity = cur.identity),"
                     " shown = coalesce((SELECT t.signature_id FROM clusters s JOIN clusters t"
                     "  ON t.signature_id = s.merged_into WHERE s.signature_id = cur.sig), sig)", err) < 0 ||
        trend_runs(h, err) < 0 || build_trends(h, err) < 0 ||
        cluster_counts(h, ch, ids, n, seen, err) < 0)
        goto out;
    if (hist_prepare(h, hist_trend_sql, &tr, err) < 0)
        goto out;
    for (i = 0; i < n; i++) {
        struct kpt_cluster_hist *x = &ch[i];
        int rc = hist_cluster_info(h, c[i].id_hex, 0, x, err);

        if (rc < 0)
            goto out;
        x->total += seen[i]; /* cluster_counts() left the history's others there */
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
    h->rh.reports_ever += h->rh.reports_new + h->rh.reports_known;
    ret = 0;
    *out = &h->rh;
out:
    sqlite3_finalize(st);
    sqlite3_finalize(tr);
    free(ids);
    free(seen);
    return ret;
}

/* one statement of the commit whose only parameter, ?1, is the run's id */
static int
exec_run(struct hist_db *h, const char *sql, struct buf *err)
{
    sqlite3_stmt *st;
    int rc;

    if (hist_prepare(h, sql, &st, err) < 0)
        return -1;
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
        buf_adds(err, "history: the run was not annotated");
        return -1;
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
    /* the per-run counts before the reports: 'new' is what the reports table held before */
    if (exec_run(h, "INSERT INTO run_clusters(run_id, signature_id, reports, new_reports)"
                    " SELECT ?1, sig, count(*), sum(new) FROM cur GROUP BY sig", err) < 0 ||
        exec_run(h, "INSERT INTO reports(identity, first_run, last_run, path, signature_id, coarse_id,"
                    " fine_id, hang_id, class, os_build, model, process, panic_time, culprit)"
                    " SELECT identity, ?1, ?1, path, sig, coarse_id, fine_id, hang_id, class, os_build,"
                    " model, process, panic_time, culprit FROM cur WHERE true"
                    " ON CONFLICT(identity) DO UPDATE SET last_run = excluded.last_run,"
                    " path = excluded.path, signature_id = excluded.signature_id,"
                    " coarse_id = excluded.coarse_id, fine_id = excluded.fine_id,"
                    " hang_id = excluded.hang_id, class = excluded.class, culprit = excluded.culprit", err) < 0)
        goto fail;
    time_text(when, (int64_t)now);
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
    return 0;
sqlfail:
    hist_fail(h, err, "history: writing the run");
fail:
    sqlite3_finalize(st);
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    h->locked = 0;
    return -1;
}
