/*
 * hist_db.c - the history file: opening, checking, the schema and its migrations.
 *
 * PRAGMA application_id marks the file as ours, PRAGMA user_version is its schema version.
 * Version k becomes k + 1 by migrations[k], all in one transaction: a file is at one version
 * or the next, never between. A file of a later version is refused (its columns may mean
 * what this build does not know).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/hist_int.h"
#include "util/bytes.h"
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
    /* 2 -> 3: each cluster's count of reports kept with it, and each run's new reports per
     * OS build (a run writes its reports as they come: the two indexes of every report these
     * replace, by signature and by first run, cost it half of that), counted once here from
     * the reports, then the indexes dropped */
    "ALTER TABLE clusters ADD COLUMN reports INTEGER NOT NULL DEFAULT 0;"
    "UPDATE clusters SET reports = (SELECT count(*) FROM reports r"
    " WHERE r.signature_id = clusters.signature_id);"
    "CREATE TABLE run_builds("
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " os_build TEXT NOT NULL,"
    " new_reports INTEGER NOT NULL,"
    " PRIMARY KEY(run_id, os_build)) WITHOUT ROWID;"
    "INSERT INTO run_builds(run_id, os_build, new_reports)"
    " SELECT first_run, coalesce(os_build, '?'), count(*) FROM reports GROUP BY 1, 2;"
    "DROP INDEX IF EXISTS reports_signature;"
    "DROP INDEX IF EXISTS reports_first_run;",
};

/* SQLite's statement, or hist_fail() */
static int
lite_prepare(struct hist_db *h, const char *sql, sqlite3_stmt **st, struct buf *err)
{
    if (sqlite3_prepare_v2(h->db, sql, -1, st, NULL) == SQLITE_OK)
        return 0;
    *st = NULL;
    return hist_fail(h, err, "history");
}

/* one integer a PRAGMA or query returns; -1 with why in err */
static int
query_int(struct hist_db *h, const char *sql, sqlite3_int64 *v, struct buf *err)
{
    sqlite3_stmt *st;
    int rc;

    if (lite_prepare(h, sql, &st, err) < 0)
        return KPT_E_IO;
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

    if (lite_prepare(h, "PRAGMA quick_check(1)", &st, err) < 0)
        return KPT_E_IO;
    rc = sqlite3_step(st);
    ok = rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
         !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
    if (!ok && rc == SQLITE_ROW)
        kpt_fail(err, KPT_E_FORMAT, "corrupt (%.200s): left as it is",
                 (const char *)sqlite3_column_text(st, 0));
    else if (!ok)
        hist_fail(h, err, "cannot be checked");
    sqlite3_finalize(st);
    return ok ? 0 : rc == SQLITE_ROW ? KPT_E_FORMAT : KPT_E_IO;
}

/* whether the file is one of ours this build can use; its schema version into *ver */
static int
check_file(struct hist_db *h, sqlite3_int64 *ver, struct buf *err)
{
    sqlite3_int64 app, objects, foreign;

    if (query_int(h, "PRAGMA user_version", ver, err) < 0 ||
        query_int(h, "PRAGMA application_id", &app, err) < 0 ||
        query_int(h, "SELECT count(*) FROM sqlite_master", &objects, err) < 0 ||
        query_int(h, "SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'view')",
                  &foreign, err) < 0)
        return KPT_E_IO;
    if (app != HIST_APP_ID && (app != 0 || objects != 0))
        return kpt_fail(err, KPT_E_FORMAT,
                        "a SQLite database of another application (no kptrace-batch "
                        "history): left as it is");
    if (foreign) /* this tool makes neither: one would run SQL of the file's author in every run */
        return kpt_fail(err, KPT_E_FORMAT,
                        "holds triggers or views kptrace-batch does not make: "
                        "left as it is");
    if (*ver > HIST_SCHEMA)
        return kpt_fail(err, KPT_E_FORMAT,
                        "made by a newer kptrace-batch (schema %lld; this one knows "
                        "up to %d): left as it is",
                        (long long)*ver, HIST_SCHEMA);
    if (*ver < 0)
        return kpt_fail(err, KPT_E_FORMAT, "schema version %lld is not one of ours: left as it is",
                        (long long)*ver);
    return 0;
}

/* the schema brought to HIST_SCHEMA, under the write lock (two first runs at once: one
 * creates, the other finds it made, and checks it again) */
static int
migrate(struct hist_db *h, struct buf *err)
{
    sqlite3_int64 ver;
    int k, rc;

    if ((rc = hist_exec(h, "BEGIN IMMEDIATE", err)) < 0)
        return rc;
    if ((rc = check_file(h, &ver, err)) < 0)
        goto fail;
    for (k = (int)ver; k < HIST_SCHEMA; k++)
        if ((rc = hist_exec(h, migrations[k], err)) < 0)
            goto fail;
    if (ver < HIST_SCHEMA) {
        char sql[80];

        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 HIST_SCHEMA, HIST_APP_ID);
        if ((rc = hist_exec(h, sql, err)) < 0)
            goto fail;
    }
    return hist_exec(h, "COMMIT", err);
fail:
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
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

/* a big-endian 32-bit field of SQLite's header */
static int32_t
header_int(const unsigned char *p)
{
    return (int32_t)be32(p);
}

/* the file's header before SQLite opens it: with no -wal beside it (no writer's changes
 * pending) the header is the database's own, and a file of a newer schema or another
 * application is refused before SQLite makes a -wal and -shm beside it (a reader of a
 * WAL file would) */
static int
check_header(const char *path, struct buf *err)
{
    unsigned char hd[100];
    int32_t ver, app;
    ssize_t n;
    int fd;

    if (wal_exists(path) || (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return 0; /* SQLite says what it is */
    n = read(fd, hd, sizeof(hd));
    close(fd);
    if (n != (ssize_t)sizeof(hd) || memcmp(hd, "SQLite format 3", 16))
        return 0;
    ver = header_int(hd + 60);
    app = header_int(hd + 68);
    if (app != HIST_APP_ID && app != 0)
        return kpt_fail(err, KPT_E_FORMAT,
                        "a SQLite database of another application (no kptrace-batch "
                        "history): left as it is");
    if (ver > HIST_SCHEMA)
        return kpt_fail(err, KPT_E_FORMAT,
                        "made by a newer kptrace-batch (schema %ld; this one knows "
                        "up to %d): left as it is",
                        (long)ver, HIST_SCHEMA);
    return 0;
}

/* what path is, before SQLite opens it: the open flags for mode into *flags */
static int
check_path(const char *path, int mode, int *flags, struct buf *err)
{
    struct stat st;
    int ro = mode == HIST_READ || mode == HIST_READ_IMMUTABLE;

    *flags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    if (!*path)
        return kpt_fail(err, KPT_E_IO, "an empty name is no file");
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return kpt_fail(err, KPT_E_IO, "not a regular file");
        if (!ro && access(path, W_OK) < 0)
            return kpt_fail(err, KPT_E_IO, "cannot be written (%s)", strerror(errno));
        return 0;
    }
    if (errno != ENOENT || mode != HIST_CREATE)
        return kpt_fail(err, KPT_E_IO, "%s", strerror(errno));
    *flags |= SQLITE_OPEN_CREATE;
    return 0;
}

/* SQLite's connection to path, as a file name, never one of SQLite's special names: ""
 * (a private temporary database), ":memory:", "file:..." (a URI, where URIs are on) */
static int
open_db(struct hist_db *h, const char *path, int mode, int flags, struct buf *err)
{
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
    if (rc != SQLITE_OK)
        return hist_fail(h, err, "cannot be opened");
    sqlite3_extended_result_codes(h->db, 1);
    if (!(flags & SQLITE_OPEN_READONLY) && sqlite3_db_readonly(h->db, "main") == 1)
        return kpt_fail(err, KPT_E_IO, "cannot be written (SQLite opened it read-only)");
    /* a file from elsewhere: no writes to the schema by SQL, no function its schema names
     * runs unless it is harmless */
    sqlite3_db_config(h->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
    sqlite3_db_config(h->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
#endif
    sqlite3_busy_timeout(h->db, HIST_BUSY_MS);
    return 0;
}

/* the file is a database, sound, ours, of a schema this build knows (*ver), and (unless
 * creating) holds a history */
static int
check_db(struct hist_db *h, int create, sqlite3_int64 *ver, struct buf *err)
{
    sqlite3_int64 objects;
    int rc;

    /* the header is read here: a file that is no database stops at this query */
    if ((rc = query_int(h, "SELECT count(*) FROM sqlite_master", &objects, err)) < 0)
        return kpt_fail(err, rc,
                        hist_disk_full(h)
                            ? ": left as it is"
                            : " (no SQLite database, or a corrupt one): left as it is");
    if ((rc = quick_check(h, err)) < 0 || (rc = check_file(h, ver, err)) < 0)
        return rc;
    if (!create && !objects) /* an empty file (or an empty database): only a run makes one */
        return kpt_fail(err, KPT_E_FORMAT,
                        "holds no history (only a run with --history creates one): "
                        "left as it is");
    return 0;
}

/* a writer's settings: foreign keys checked, a write-ahead log */
static int
use_wal(struct hist_db *h, struct buf *err)
{
    sqlite3_int64 dummy;
    sqlite3_stmt *jm;
    int wal = 0, rc;

    /* a new file's pages (set before the log, which fixes them): a run writes its reports
     * as they come and commits them at once, and larger pages are fewer writes of the log
     * and of its checkpoint (16 KiB: 0.20 -> 0.14 s at 100,000 reports; a file made
     * with other pages keeps them) */
    if ((rc = hist_exec(h, "PRAGMA page_size = 16384", err)) < 0 ||
        (rc = query_int(h, "PRAGMA foreign_keys = ON", &dummy, err)) < 0 ||
        (rc = lite_prepare(h, "PRAGMA journal_mode = WAL", &jm, err)) < 0)
        return rc;
    if (sqlite3_step(jm) == SQLITE_ROW && sqlite3_column_text(jm, 0))
        wal = !strcmp((const char *)sqlite3_column_text(jm, 0), "wal");
    sqlite3_finalize(jm);
    return wal ? 0 : hist_fail(h, err, "cannot use a write-ahead log");
}

int
hist_open(const char *path, int mode, struct hist_db **out, struct buf *err)
{
    struct hist_db *h;
    sqlite3_int64 ver, dummy;
    int ro = mode == HIST_READ || mode == HIST_READ_IMMUTABLE, flags, rc;

    if (hist_is_uri(path))
        return hist_pg_open(path, mode, out, err);
    h = xcalloc(1, sizeof(*h));
    *out = NULL;
    h->d = &hist_sqlite;
    h->path = xstrdup(path);
    if ((rc = check_path(path, mode, &flags, err)) < 0 || (rc = check_header(path, err)) < 0 ||
        (rc = open_db(h, path, mode, flags, err)) < 0)
        goto fail;
    if (mode == HIST_READ && access(path, W_OK) < 0 && (!dir_writable(path) || !wal_exists(path))) {
        hist_close(h);
        return hist_open(path, HIST_READ_IMMUTABLE, out, err);
    }
    /* checked before the journal mode changes anything */
    if ((rc = check_db(h, mode == HIST_CREATE, &ver, err)) < 0)
        goto fail;
    if (ro && ver < HIST_SCHEMA) {
        /* an older schema: migrated forward, which only a writer can */
        hist_close(h);
        return hist_open(path, HIST_WRITE, out, err);
    }
    if (ro)
        rc = query_int(h, "PRAGMA foreign_keys = ON", &dummy, err);
    else if ((rc = use_wal(h, err)) == 0)
        rc = migrate(h, err);
    if (rc < 0)
        goto fail;
    h->arena = arena_new(64 * 1024);
    *out = h;
    return 0;
fail:
    hist_close(h);
    return rc;
}

void
hist_close(struct hist_db *h)
{
    if (!h)
        return;
    hist_run_release(h);
    hq_finalize(h->info_st);
    hq_finalize(h->total_st);
    hq_finalize(h->merged_st);
    if (h->locked)
        hist_rollback(h);
    if (h->db)
        sqlite3_close(h->db);
    if (h->pg)
        PQfinish(h->pg);
    buf_release(&h->stage);
    buf_release(&h->sigstage);
    buf_release(&h->pg_err);
    hist_counts_release(&h->ids);
    hist_secrets_free(h->secret);
    if (h->arena)
        arena_free(h->arena);
    free(h->path);
    free(h);
}
