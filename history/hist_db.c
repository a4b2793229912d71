/*
 * hist_db.c - the history file: opening, checking, the schema and its migrations.
 *
 * PRAGMA application_id marks the file as ours, PRAGMA user_version is its schema version.
 * Version k becomes k + 1 by migrations[k], all in one transaction: a file is at one version
 * or the next, never between. A file of a later version is refused (its columns may mean
 * what this build does not know).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/hist_int.h"
#include "util/civil.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char *const migrations[HIST_SCHEMA] = {
    /* 0 -> 1: runs, the clusters with their triage, one row per report identity */
    "CREATE TABLE runs("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK(kind IN ('run','merge')),"
    " started TEXT NOT NULL,"
    " ended TEXT,"
    " tool_version TEXT NOT NULL,"
    " algorithm TEXT NOT NULL,"
    " rules TEXT NOT NULL,"
    " inputs TEXT NOT NULL,"
    " files INTEGER NOT NULL DEFAULT 0, ok INTEGER NOT NULL DEFAULT 0,"
    " partial INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,"
    " excluded INTEGER NOT NULL DEFAULT 0, clusters INTEGER NOT NULL DEFAULT 0,"
    " new_reports INTEGER NOT NULL DEFAULT 0, known_reports INTEGER NOT NULL DEFAULT 0,"
    " copies INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE clusters("
    " signature_id TEXT PRIMARY KEY,"
    " signature TEXT NOT NULL,"
    " class TEXT,"
    " culprit TEXT,"
    " first_run INTEGER NOT NULL REFERENCES runs(id),"
    " last_run INTEGER NOT NULL REFERENCES runs(id),"
    " status TEXT NOT NULL DEFAULT 'open' CHECK(status IN ('open','fixed','ignored')),"
    " bug TEXT,"
    " note TEXT,"
    " merged_into TEXT REFERENCES clusters(signature_id),"
    " regressed_run INTEGER REFERENCES runs(id));"
    "CREATE INDEX clusters_merged_into ON clusters(merged_into) WHERE merged_into IS NOT NULL;"
    "CREATE TABLE reports("
    " identity TEXT PRIMARY KEY,"
    " first_run INTEGER NOT NULL REFERENCES runs(id),"
    " last_run INTEGER NOT NULL REFERENCES runs(id),"
    " path TEXT NOT NULL,"
    " signature_id TEXT NOT NULL REFERENCES clusters(signature_id),"
    " coarse_id TEXT, fine_id TEXT, hang_id TEXT, class TEXT, os_build TEXT, model TEXT,"
    " process TEXT, panic_time TEXT, culprit TEXT) WITHOUT ROWID;"
    "CREATE INDEX reports_signature ON reports(signature_id);"
    "CREATE INDEX reports_first_run ON reports(first_run);",
    /* 1 -> 2: each run's reports per cluster, for trends (older runs: from the reports'
     * first runs, which is what they added) */
    "CREATE TABLE run_clusters("
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " signature_id TEXT NOT NULL REFERENCES clusters(signature_id),"
    " reports INTEGER NOT NULL,"
    " new_reports INTEGER NOT NULL,"
    " PRIMARY KEY(signature_id, run_id)) WITHOUT ROWID;"
    "CREATE INDEX run_clusters_run ON run_clusters(run_id);"
    "INSERT INTO run_clusters(run_id, signature_id, reports, new_reports)"
    " SELECT first_run, signature_id, count(*), count(*) FROM reports GROUP BY 1, 2;",
};

int
hist_fail(struct hist_db *h, struct buf *err, const char *what)
{
    buf_addf(err, "%s: %s", what, h && h->db ? sqlite3_errmsg(h->db) : "out of memory");
    return -1;
}

int
hist_exec(struct hist_db *h, const char *sql, struct buf *err)
{
    return sqlite3_exec(h->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : hist_fail(h, err, "history");
}

int
hist_prepare(struct hist_db *h, const char *sql, sqlite3_stmt **st, struct buf *err)
{
    if (sqlite3_prepare_v2(h->db, sql, -1, st, NULL) == SQLITE_OK)
        return 0;
    *st = NULL;
    return hist_fail(h, err, "history");
}

char *
hist_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);

    return s ? xmemdup0(s, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

int
hist_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

int64_t
hist_time(const unsigned char *s)
{
    int64_t t;

    return s && civil_parse_date((const char *)s, &t) == 0 ? t : 0;
}

size_t
hist_count(sqlite3_stmt *st, int i)
{
    sqlite3_int64 v = sqlite3_column_int64(st, i);

    return sqlite3_column_type(st, i) == SQLITE_INTEGER && v > 0 ? (size_t)v : 0;
}

/* one integer a PRAGMA or query returns; -1 with why in err */
static int
query_int(struct hist_db *h, const char *sql, sqlite3_int64 *v, struct buf *err)
{
    sqlite3_stmt *st;
    int rc;

    if (hist_prepare(h, sql, &st, err) < 0)
        return -1;
    rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : hist_fail(h, err, "history");
}

/* PRAGMA quick_check: "ok", or the first problem it names */
static int
quick_check(struct hist_db *h, struct buf *err)
{
    sqlite3_stmt *st;
    int rc, ok;

    if (hist_prepare(h, "PRAGMA quick_check(1)", &st, err) < 0)
        return -1;
    rc = sqlite3_step(st);
    ok = rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
         !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
    if (!ok && rc == SQLITE_ROW)
        buf_addf(err, "corrupt (%.200s): left as it is", (const char *)sqlite3_column_text(st, 0));
    else if (!ok)
        hist_fail(h, err, "cannot be checked");
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

/* whether the file is one of ours this build can use; its schema version into *ver */
static int
check_file(struct hist_db *h, sqlite3_int64 *ver, struct buf *err)
{
    sqlite3_int64 app, objects, foreign;

    if (query_int(h, "PRAGMA user_version", ver, err) < 0 ||
        query_int(h, "PRAGMA application_id", &app, err) < 0 ||
        query_int(h, "SELECT count(*) FROM sqlite_master", &objects, err) < 0 ||
        query_int(h, "SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'view')", &foreign, err) < 0)
        return -1;
    if (app != HIST_APP_ID && (app != 0 || objects != 0)) {
        buf_adds(err, "a SQLite database of another application (no kptrace-batch history): "
                      "left as it is");
        return -1;
    }
    if (foreign) {
        /* this tool makes neither: one would run SQL of the file's author in every run */
        buf_adds(err, "holds triggers or views kptrace-batch does not make: left as it is");
        return -1;
    }
    if (*ver > HIST_SCHEMA) {
        buf_addf(err, "made by a newer kptrace-batch (schema %lld; this one knows up to %d): "
                      "left as it is", (long long)*ver, HIST_SCHEMA);
        return -1;
    }
    if (*ver < 0) {
        buf_addf(err, "schema version %lld is not one of ours: left as it is", (long long)*ver);
        return -1;
    }
    return 0;
}

/* the schema brought to HIST_SCHEMA, under the write lock (two first runs at once: one
 * creates, the other finds it made, and checks it again) */
static int
migrate(struct hist_db *h, struct buf *err)
{
    sqlite3_int64 ver;
    int k;

    if (hist_exec(h, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    if (check_file(h, &ver, err) < 0)
        goto fail;
    for (k = (int)ver; k < HIST_SCHEMA; k++)
        if (hist_exec(h, migrations[k], err) < 0)
            goto fail;
    if (ver < HIST_SCHEMA) {
        char sql[80];

        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 HIST_SCHEMA, HIST_APP_ID);
        if (hist_exec(h, sql, err) < 0)
            goto fail;
    }
    return hist_exec(h, "COMMIT", err);
fail:
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* whether a writer is at work: its -wal beside path */
static int
wal_exists(const char *path)
{
    struct buf b = BUF_INIT;
    struct stat st;
    int there;

    buf_addf(&b, "%s-wal", path);
    there = stat(b.data, &st) == 0;
    buf_release(&b);
    return there;
}

/* whether the folder of path can be written (SQLite keeps a WAL's -shm there) */
static int
dir_writable(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xmemdup0(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    int ok = access(dir, W_OK) == 0;

    free(dir);
    return ok;
}

int
hist_open(const char *path, int mode, struct hist_db **out, struct buf *err)
{
    struct hist_db *h = xcalloc(1, sizeof(*h));
    struct stat st;
    sqlite3_int64 dummy;
    int create = mode == HIST_CREATE, ro = mode == HIST_READ || mode == HIST_READ_IMMUTABLE;
    int flags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;

    *out = NULL;
    h->path = xstrdup(path);
    if (!*path) {
        buf_adds(err, "an empty name is no file");
        goto fail;
    }
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            buf_adds(err, "not a regular file");
            goto fail;
        }
        if (!ro && access(path, W_OK) < 0) {
            buf_addf(err, "cannot be written (%s)", strerror(errno));
            goto fail;
        }
    } else if (errno != ENOENT || !create) {
        buf_addf(err, "%s", strerror(errno));
        goto fail;
    } else {
        flags |= SQLITE_OPEN_CREATE;
    }
    {
        /* a file name, never one of SQLite's special names: "" (a private temporary
         * database), ":memory:", "file:..." (a URI, where URIs are on) */
        struct buf p = BUF_INIT;
        int rc;

        if (mode == HIST_READ_IMMUTABLE) {
            /* a file we cannot write, and no writer at work (no -wal) or a folder where
             * SQLite could not make the -shm: read as immutable, leaving no -wal or -shm
             * of ours beside another's file */
            const char *c;

            buf_adds(&p, "file:");
            if (path[0] != '/')
                buf_adds(&p, "./");
            for (c = path; *c; c++)
                if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                    strchr("/._-~", *c))
                    buf_addc(&p, *c);
                else
                    buf_addf(&p, "%%%02X", (unsigned char)*c);
            buf_adds(&p, "?immutable=1");
            flags |= SQLITE_OPEN_URI;
        } else {
            buf_addf(&p, "%s%s", path[0] == '/' ? "" : "./", path);
        }
        rc = sqlite3_open_v2(p.data, &h->db, flags, NULL);
        buf_release(&p);
        if (rc != SQLITE_OK) {
            hist_fail(h, err, "cannot be opened");
            goto fail;
        }
    }
    sqlite3_extended_result_codes(h->db, 1);
    if (!ro && sqlite3_db_readonly(h->db, "main") == 1) {
        buf_adds(err, "cannot be written (SQLite opened it read-only)");
        goto fail;
    }
    /* a file from elsewhere: no writes to the schema by SQL, no function its schema names
     * runs unless it is harmless */
    sqlite3_db_config(h->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
    sqlite3_db_config(h->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
#endif
    sqlite3_busy_timeout(h->db, HIST_BUSY_MS);
    /* the header is read here: a file that is no database stops at this query */
    if (mode == HIST_READ && access(path, W_OK) < 0 && (!dir_writable(path) || !wal_exists(path))) {
        hist_close(h);
        return hist_open(path, HIST_READ_IMMUTABLE, out, err);
    }
    if (query_int(h, "SELECT count(*) FROM sqlite_master", &dummy, err) < 0) {
        buf_adds(err, " (no SQLite database, or a corrupt one): left as it is");
        goto fail;
    }
    if (quick_check(h, err) < 0)
        goto fail;
    {
        sqlite3_int64 ver, objects;

        if (check_file(h, &ver, err) < 0) /* before the journal mode changes anything */
            goto fail;
        if (!create && (query_int(h, "SELECT count(*) FROM sqlite_master", &objects, err) < 0 || !objects)) {
            /* an empty file (or an empty database) is no history: only a run makes one */
            if (!err->len)
                buf_adds(err, "holds no history (only a run with --history creates one): left as it is");
            goto fail;
        }
        if (ro && ver < HIST_SCHEMA) {
            /* an older schema: migrated forward, which only a writer can */
            hist_close(h);
            return hist_open(path, HIST_WRITE, out, err);
        }
        if (ro) {
            if (query_int(h, "PRAGMA foreign_keys = ON", &dummy, err) < 0)
                goto fail;
            h->arena = arena_new(64 * 1024);
            *out = h;
            return 0;
        }
    }
    if (query_int(h, "PRAGMA foreign_keys = ON", &dummy, err) < 0)
        goto fail;
    {
        sqlite3_stmt *jm;
        int wal = 0;

        if (hist_prepare(h, "PRAGMA journal_mode = WAL", &jm, err) < 0)
            goto fail;
        if (sqlite3_step(jm) == SQLITE_ROW && sqlite3_column_text(jm, 0))
            wal = !strcmp((const char *)sqlite3_column_text(jm, 0), "wal");
        sqlite3_finalize(jm);
        if (!wal) {
            hist_fail(h, err, "cannot use a write-ahead log");
            goto fail;
        }
    }
    if (migrate(h, err) < 0)
        goto fail;
    h->arena = arena_new(64 * 1024);
    *out = h;
    return 0;
fail:
    hist_close(h);
    return -1;
}

void
hist_close(struct hist_db *h)
{
    size_t i;

    if (!h)
        return;
    sqlite3_finalize(h->add);
    sqlite3_finalize(h->add_sig);
    sqlite3_finalize(h->info_st);
    sqlite3_finalize(h->total_st);
    sqlite3_finalize(h->merged_st);
    if (h->db && h->locked)
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    if (h->db)
        sqlite3_close(h->db);
    for (i = 0; i < h->ntargets; i++) {
        free(h->targets[i].from);
        free(h->targets[i].id);
        free(h->targets[i].signature);
        free(h->targets[i].panic_class);
    }
    free(h->targets);
    for (i = 0; i < h->nsigs; i++)
        free(h->sigs[i]);
    free(h->sigs);
    hindex_release(&h->sig_ix);
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
    if (h->arena)
        arena_free(h->arena);
    free(h->path);
    free(h);
}
