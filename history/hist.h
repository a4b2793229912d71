/*
 * hist.h - history: a fleet's runs, reports and triage decisions in one SQLite file, or in
 * a PostgreSQL database a team shares (--history FILE or --history postgresql://...; the
 * schema, the same on both, is the README's contract). Which engine holds it is history/'s
 * business alone.
 *
 * A run takes the file's write lock at its first signed report (its last pass: after
 * symbolication) and writes each report into the history as it comes, in one transaction;
 * once its clusters are known it reads what the history says of them (hist_annotate()),
 * and once the outputs are written (not yet renamed) writes its clusters and counts
 * (hist_write()), then commits after the renames (hist_commit()). A run that stops before
 * the commit adds nothing. Every value from a report reaches the database
 * as a bound parameter (or as COPY data: never as SQL).
 */
#ifndef KPT_HIST_H
#define KPT_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/buf.h"

#define HIST_SCHEMA 3                 /* the schema version this build writes */
#define HIST_APP_ID 0x6b707462        /* PRAGMA application_id: "kptb" */
#define HIST_BUSY_MS (10 * 60 * 1000) /* how long a run waits for another's commit */

struct hist_db;

/* hist_is_uri() - whether spec names a PostgreSQL database (postgresql:// or postgres://);
 * anything else is a SQLite file's path */
int hist_is_uri(const char *spec);
/* hist_shown() - spec as every message shows it (malloc'd): a URI's password as ****
 * (user:PW@ and password=PW), a path as it is */
char *hist_shown(const char *spec);

/*
 * hist_open() - open the history file 'path' as 'mode' says: HIST_CREATE (a run: the file
 * is created when it does not exist), HIST_WRITE (triage's changes: it must exist) or
 * HIST_READ (reading commands: opened read-only, so a read-only file serves; an older schema
 * is migrated all the same, which needs write access), and bring its schema up to
 * HIST_SCHEMA. A file that is no SQLite database, is corrupt, belongs to another application
 * or was made by a newer schema is refused, never replaced; unless creating, so is one that
 * holds no history yet (an empty file). Returns 0, or -1 with why in err.
 */
enum hist_mode {
    HIST_WRITE = 0,
    HIST_CREATE = 1,
    HIST_READ = 2,
    HIST_READ_IMMUTABLE = 3 /* internal */
};
int hist_open(const char *path, int mode, struct hist_db **out, struct buf *err);
/* hist_close() - an uncommitted run is rolled back; NULL is a no-op */
void hist_close(struct hist_db *h);

/* A run. */

/* hist_begin() - start a run ('run' or 'merge') begun at 'started' (seconds since the
 * epoch) over 'inputs' (the paths given); 0 or -1 with why in err */
int hist_begin(struct hist_db *h, const char *kind, int64_t started, char *const *inputs,
               size_t ninputs, struct buf *err);
/* hist_add() - a signed report of the run (copies of one identity are kept once; the
 * first takes the write lock, as hist_lock()); 0 or -1 with why in err */
int hist_add(struct hist_db *h, struct arena *a, const struct kpt_report *r, struct buf *err);

/* hist_lock() - unless taken already (by hist_add()), take the file's write lock for the
 * rest of the run (waiting up to HIST_BUSY_MS for another run's commit), record the run's
 * row and read triage's merges; 0 or -1 */
int hist_lock(struct hist_db *h, struct buf *err);
/* hist_target() - after hist_lock(), the cluster triage merged signature id 'sig' into, or
 * NULL; its signature and class as the history last saw them */
struct hist_target {
    char *from, *id, *signature, *panic_class;
    uint64_t key;
};
const struct hist_target *hist_target(const struct hist_db *h, const char *sig);

/*
 * hist_join() - after hist_lock() (else -1), before hist_annotate(): the run shows its cluster
 * 'from' under cluster 'to' (signature ids: a copy whose kext list was cut, under its one named
 * twin). The run's reports signed 'from' are recorded under 'to' and counted there (new,
 * known, moved: each identity once), and hist_annotate() shows what the history holds of
 * 'from' under 'to'. Decided by each run anew: it is no merge that later runs keep. 0 or -1
 * with why in err.
 */
int hist_join(struct hist_db *h, const char *from, const char *to, struct buf *err);

/*
 * hist_annotate() - hist_lock() if not taken yet, then what the history holds of the run's
 * clusters c[0..n) (each shown under its merge target already). *out is owned by h. 0 or
 * -1 with why in err.
 */
int hist_annotate(struct hist_db *h, const struct kpt_cluster *c, size_t n,
                  const struct kpt_run_hist **out, struct buf *err);
/* hist_write() - the run's rows and its counts from s, in its transaction, not yet committed:
 * every statement that can wait for another writer's lock runs here, before the outputs are
 * renamed; 0 or -1 (rolled back) */
int hist_write(struct hist_db *h, const struct kpt_summary *s, struct buf *err);
/* hist_commit() - the commit of what hist_write() wrote; 0 or -1 (rolled back) */
int hist_commit(struct hist_db *h, struct buf *err);

/* Triage and the trend table (kptrace-batch triage, kptrace-batch history). */

struct hist_decision {
    const char *status;     /* "open", "fixed", "ignored", or NULL: unchanged */
    const char *bug, *note; /* NULL: unchanged; "": cleared */
    const char *merge_into; /* a signature id, or NULL */
    int unmerge;
};
/* hist_triage() - record d for cluster 'sig'; -1 with why in err (*unknown set when the
 * history has no such cluster) */
int hist_triage(struct hist_db *h, const char *sig, const struct hist_decision *d, int *unknown,
                struct buf *err);

/* hist_table() - the last 'runs' runs and every cluster that received a report in them
 * (merged ones under their target); 0 or -1 with why in err */
int hist_table(struct hist_db *h, size_t runs, struct kpt_trend_table *t, struct buf *err);
void hist_table_release(struct kpt_trend_table *t);

/* hist_row_get() - one cluster's triage record (row->h holds status, bug, note, first seen,
 * total and its merges); 0, 1 when the history has no such cluster, -1 with why in err */
int hist_row_get(struct hist_db *h, const char *sig, struct kpt_trend_row *row, struct buf *err);
void hist_row_release(struct kpt_trend_row *row);

#endif
