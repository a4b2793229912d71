/*
 * hist_lite.c - the SQLite engine's run: its reports written as they come, in the run's one
 * transaction (BEGIN IMMEDIATE: SQLite's one writer at a time), with plain statements of
 * one row each.
 *
 * Each report goes straight into the reports table: an identity no run recorded is
 * inserted, one an earlier run recorded is updated, a second copy in this run changes
 * nothing (the first copy met wins). The run's counts per signature and per build are kept
 * in h (hist_run.c); its signatures wait in temp.cur_sig.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/xalloc.h"

const struct hist_dialect hist_sqlite = {
    .temp_sql =
        "CREATE TEMP TABLE cur_sig(sig TEXT PRIMARY KEY, signature TEXT NOT NULL, class TEXT,"
        " culprit TEXT) WITHOUT ROWID;"
        "CREATE TEMP TABLE cur_inputs(n INTEGER PRIMARY KEY, path TEXT NOT NULL);"
        "CREATE TEMP TABLE cur_join(from_sig TEXT PRIMARY KEY, to_sig TEXT NOT NULL);",
    .insert_run = "INSERT INTO runs(kind, started, tool_version, algorithm, rules, inputs)"
                  " VALUES (?1, ?2, ?3, '', '', (SELECT json_group_array(path) FROM"
                  " (SELECT path FROM cur_inputs ORDER BY n)))",
    .begin_write = "BEGIN IMMEDIATE",
    .cluster_total = "UPDATE clusters SET reports = max(0, reports + ?2) WHERE signature_id = ?1",
};

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

/* before the run's transaction: the run's rows refer to its own run and to the clusters
 * it writes at the commit: correct by construction, so SQLite need not look up three parents
 * for each of them (the pragma only changes outside a transaction; hist_commit() turns the
 * checks on again). The reports' pages stay in the cache until the commit (HIST_CACHE_KB). */
int
hist_lite_lock(struct hist_db *h, struct buf *err)
{
    char pragma[64];

    snprintf(pragma, sizeof(pragma), "PRAGMA main.cache_size = -%d", HIST_CACHE_KB);
    return hist_exec(h, pragma, err) < 0 || hist_exec(h, "PRAGMA foreign_keys = OFF", err) < 0
               ? KPT_E_IO
               : 0;
}

/* the statements of hist_lite_add(), once the run's row is there */
static int
prepare_add(struct hist_db *h, struct buf *err)
{
    static const char *const sql[] = {
        add_sql, old_sql, known_sql,
        "INSERT OR IGNORE INTO cur_sig(sig, signature, class, culprit) VALUES (?1, ?2, ?3, ?4)"
    };
    sqlite3_stmt **st[] = { &h->add, &h->old, &h->known, &h->add_sig };
    size_t i;

    for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        if (sqlite3_prepare_v2(h->db, sql[i], -1, st[i], NULL) != SQLITE_OK)
            return hist_fail(h, err, "history");
    return 0;
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

/* one statement of write_report(): its changes, or KPT_E_IO */
static int
step_changes(struct hist_db *h, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    return rc == SQLITE_DONE ? sqlite3_changes(h->db) : KPT_E_IO;
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
            return kpt_fail(err, KPT_E_IO,
                            "history: a report was not recorded (a constraint on the reports"
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
        rc = KPT_E_IO;
    sqlite3_reset(st);
    if (rc == 0) {
        st = h->known;
        bind_shared(st, r);
        sqlite3_bind_int64(st, 2, h->run_id);
        rc = step_changes(h, st) == 1 ? 0 : KPT_E_IO;
    }
out:
    return rc >= 0 ? rc : hist_fail(h, err, "history: recording a report");
}

int
hist_lite_add(struct hist_db *h, struct arena *a, const struct kpt_report *r, struct buf *err)
{
    struct hist_count *sc;
    sqlite3_stmt *st;
    const char *was;
    int rc;

    if ((!h->add && prepare_add(h, err) < 0) || (rc = write_report(h, a, r, &was, err)) < 0)
        return KPT_E_IO;
    sc = hist_count_of(&h->sigc, r->sig_id);
    if (rc == 2) {
        h->rh.copies++;
    } else {
        sc->reports++;
        sc->new_reports += (size_t)rc;
        if (rc)
            hist_count_of(&h->buildc, r->os_build ? r->os_build : "?")->new_reports++;
        if (was) { /* signed otherwise by an earlier run: the report moves */
            sc->moved_in++;
            hist_count_of(&h->sigc, was)->moved_out++;
            sc = hist_count_of(&h->sigc, r->sig_id); /* v may have moved */
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

void
hist_lite_release(struct hist_db *h)
{
    sqlite3_finalize(h->add);
    sqlite3_finalize(h->old);
    sqlite3_finalize(h->known);
    sqlite3_finalize(h->add_sig);
    h->add = h->old = h->known = h->add_sig = NULL;
}
