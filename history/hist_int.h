/*
 * hist_int.h - what the history's files share; private to history/.
 */
#ifndef KPT_HIST_INT_H
#define KPT_HIST_INT_H

#include <libpq-fe.h>
#include <sqlite3.h>

#include "history/hist.h"
#include "util/arena.h"
#include "util/hindex.h"

/* The run's pages stay in SQLite's cache up to this size (KiB) until its commit: its
 * reports are written in the order they come, which is no order of the table's. */
#define HIST_CACHE_KB (64 * 1024)

/* a cluster the run shows under another (hist_join()) */
struct hist_joined {
    char *from, *to;
};
/* hist_joined_to() - the cluster sig is shown under by the run's joins, else sig itself */
const char *hist_joined_to(const struct hist_db *h, const char *sig);
/* hist_joins_write() - in hist_write(): the run's reports of each joined cluster recorded
 * under the one it is shown under; 0 or KPT_E_IO */
int hist_joins_write(struct hist_db *h, struct buf *err);
void hist_joins_release(struct hist_db *h);

/* what a run counted of one key: a signature (every field), or an OS build (new_reports) */
struct hist_count {
    char *key;
    size_t reports;     /* the run's reports under key (copies of one identity once) */
    size_t new_reports; /* those no earlier run recorded */
    size_t moved_in;    /* known reports an earlier run recorded under another signature */
    size_t moved_out;   /* known reports recorded under this one, signed otherwise now */
    int met;            /* a report of the run is signed so (not only moved out of it) */
};
/* the keys a run counted, as many as it has clusters (or builds) */
struct hist_counts {
    struct hist_count *v;
    size_t n, cap;
    struct hindex ix; /* over v, by key */
};
/* hist_count_change() - what the run changes in the history's count of c's reports */
int64_t hist_count_change(const struct hist_count *c);
void hist_counts_release(struct hist_counts *c);

/* a statement of either engine: the history's files other than the engines' own read and
 * write through these (hist_q.c), with SQLite's ?N parameters (PostgreSQL's $N) */
#define HQ_PARAMS 16
struct hq {
    struct hist_db *h;
    sqlite3_stmt *st;       /* SQLite */
    char name[24];          /* PostgreSQL: the prepared statement's name */
    char *param[HQ_PARAMS]; /* PostgreSQL: the values bound, as text (NULL: NULL) */
    PGresult *res;          /* PostgreSQL: the result, once run */
    int nparams, row, nrows, ran;
};
enum { HQ_DONE = 0, HQ_ROW = 1 };

/* what differs between the engines' SQL; the rest is shared */
struct hist_dialect {
    const char *temp_sql;      /* the run's temporary tables */
    const char *insert_run;    /* ?1 kind, ?2 started, ?3 version: the run's row (and its id) */
    const char *begin_write;   /* a writer's transaction, waiting for the others' */
    const char *cluster_total; /* ?1 signature id, ?2 the change of its count (never below 0) */
};
extern const struct hist_dialect hist_sqlite, hist_postgres;

struct hist_db {
    sqlite3 *db;
    PGconn *pg; /* a PostgreSQL history (db is NULL) */
    const struct hist_dialect *d;
    char *path;             /* as messages show it: a URI with its password masked */
    char **secret;          /* a URI's passwords, masked out of every message (NULL-terminated) */
    char pg_state[6];       /* the SQLSTATE of PostgreSQL's last error */
    struct buf pg_err;      /* its message, when the connection no longer holds it (a pipeline) */
    unsigned nstmt;         /* PostgreSQL: statements prepared (their names) */
    struct buf stage;       /* PostgreSQL: the run's reports, as COPY text, not sent yet */
    struct buf sigstage;    /* PostgreSQL: the run's signatures, as COPY text */
    struct hist_counts ids; /* PostgreSQL: the run's identities (its copies kept once) */
    int copying;            /* PostgreSQL: a COPY of stage in flight, its result not read */
    int pushing;            /* ... its data not all handed to the socket yet */
    unsigned push_tick;
    struct arena *arena; /* what *out of hist_annotate() points into */
    int locked;          /* the run's transaction is open: COMMIT or ROLLBACK ends it */
    int written;         /* hist_write() wrote the run's rows: hist_commit() may commit them */
    int64_t run_id, started;
    const char *kind;
    sqlite3_stmt *add, *old, *known,
        *add_sig;              /* SQLite: a report of the run: new, known; a signature */
    struct hist_counts sigc;   /* the run's reports per signature (and those moved out) */
    struct hist_counts buildc; /* its new reports per OS build ("?": none) */
    struct hq *info_st, *total_st, *merged_st; /* hist_cluster_info()'s, prepared once */
    struct hist_target *targets;               /* every merge triage recorded, by 'from' */
    size_t ntargets;
    struct hist_joined *joins; /* the run's joins (hist_join()), by 'from' */
    size_t njoins, capjoins;
    struct kpt_run_hist rh;
    size_t nclusters;   /* entries of rh.clusters */
    int64_t *trend_ids; /* the runs of rh's trends (in arena) */
};

/* hist_fail() - "what: the engine's message" into err (a password masked); KPT_E_IO */
int hist_fail(struct hist_db *h, struct buf *err, const char *what);
/* hist_disk_full() - whether SQLite's last error was a full file system (ENOSPC) */
int hist_disk_full(struct hist_db *h);
/* hist_exec() - run SQL without parameters (several statements may be given); 0 or hist_fail() */
int hist_exec(struct hist_db *h, const char *sql, struct buf *err);
/* hist_prepare() - 0, or hist_fail() */
int hist_prepare(struct hist_db *h, const char *sql, struct hq **q, struct buf *err);
/* hist_cached() - *q prepared once per history (NULL until then), reset and its bindings
 * cleared for each later use; 0 or hist_fail() */
int hist_cached(struct hist_db *h, struct hq **q, const char *sql, struct buf *err);
/* hq_step() - HQ_ROW, HQ_DONE or KPT_E_IO (the engine's error kept for hist_fail()) */
int hq_step(struct hq *q);
/* hq_queue() - q run with its bindings, a statement that returns no row: SQLite's at once;
 * PostgreSQL's sent in libpq's pipeline, its result read by hq_drain() (one round trip for
 * all queued). 0 or -1; hq_drain() - 0, or -1 (the first error kept for hist_fail()); a
 * no-op without a pipeline */
int hq_queue(struct hq *q);
int hq_drain(struct hist_db *h);
/* hq_reset() - q runs again with its bindings; hq_clear() also clears them */
void hq_reset(struct hq *q);
void hq_clear(struct hq *q);
void hq_finalize(struct hq *q);
/* hq_end() - q finalized, hist_fail(what) first unless ok (PostgreSQL's DEALLOCATE resets
 * the message hist_fail() says): 0 or KPT_E_IO */
int hq_end(struct hq *q, int ok, struct buf *err, const char *what);
/* hist_pg_text() - s appended to b as PostgreSQL takes text: a byte that is no UTF-8 (a
 * file name's, say) as U+FFFD; with copy, COPY's escapes for backslash, tab, LF and CR */
void hist_pg_text(struct buf *b, const char *s, int copy);
/* hist_bind_text() - s (may be NULL) as parameter i (copied); hq_bind_int() - v */
void hist_bind_text(struct hq *q, int i, const char *s);
void hq_bind_int(struct hq *q, int i, int64_t v);
/* hq_value() - column i of the current row as text (NULL for NULL), its length into *len */
const char *hq_value(struct hq *q, int i, size_t *len);
/* hq_int() - column i as an integer into *v: 1, or 0 when it is NULL or no integer */
int hq_int(struct hq *q, int i, int64_t *v);
/* hq_str() - column i as text (NULL for NULL); hq_i64() - as an integer (0: none) */
const char *hq_str(struct hq *q, int i);
int64_t hq_i64(struct hq *q, int i);
/* hist_rollback() - the open transaction rolled back, if any */
void hist_rollback(struct hist_db *h);
/* hq_changes() - the rows the last step changed */
int64_t hq_changes(struct hq *q);
/* hist_int_parse() - s[0..len) as a decimal int64 (PostgreSQL's text of a bigint): 0, or
 * KPT_E_PARSE for anything else (a sign alone, a space, an overflow) */
int hist_int_parse(const char *s, size_t len, int64_t *v);
/* hist_text() - column i as a malloc'd string, NULL for NULL */
char *hist_text(struct hq *q, int i);
/* hist_time() - a stored "YYYY-MM-DDTHH:MM:SSZ" as seconds since the epoch (0: unreadable) */
int64_t hist_time(const char *s);
/* hist_time_text() - t as "YYYY-MM-DDTHH:MM:SSZ" */
void hist_time_text(char out[24], int64_t t);
/* hist_count() - an integer column as a count (negative or not an integer: 0) */
size_t hist_count(struct hq *q, int i);
/* hist_count_add() - a + b, at most HIST_COUNT_MAX (what SQLite and JSON hold) */
#define HIST_COUNT_MAX ((size_t)INT64_MAX)
size_t hist_count_add(size_t a, size_t b);
/* hist_trend() - for cluster 'id' (and those merged into it) the new reports of each run
 * from run_ids[0..n) into trend (the ids ascending); 0 or -1 */
int hist_trend(struct hq *q, const char *id, const int64_t *run_ids, size_t n, size_t *trend);
/* the statement hist_trend() takes: ?1 the cluster, ?2 the first run id */
extern const char hist_trend_sql[];
/* hist_cluster_info() - status, bug, note, first seen, merges and (with_total) the reports
 * held of cluster 'id' into ch (strings malloc'd); 1 when the history has no such cluster */
int hist_cluster_info(struct hist_db *h, const char *id, int with_total,
                      struct kpt_cluster_hist *ch, struct buf *err);
void hist_cluster_hist_release(struct kpt_cluster_hist *ch);
/* hist_run_release() - what a run kept in h (statements, merges, signatures, annotation);
 * hist_close() calls it */
void hist_run_release(struct hist_db *h);
/* hist_count_of() - key's entry of c, added (counts 0) when c has none */
struct hist_count *hist_count_of(struct hist_counts *c, const char *key);

/* the SQLite engine's run (hist_lite.c): hist_lite_add() after hist_lock() */
int hist_lite_add(struct hist_db *h, struct arena *a, const struct kpt_report *r, struct buf *err);
int hist_lite_lock(struct hist_db *h, struct buf *err);
void hist_lite_release(struct hist_db *h);

/* the PostgreSQL engine (hist_pg.c, hist_pgrun.c) */
int hist_pg_open(const char *uri, int mode, struct hist_db **out, struct buf *err);
int hist_pg_add(struct hist_db *h, struct arena *a, const struct kpt_report *r, struct buf *err);
/* hist_pg_end_copy() - the reports staged and not sent yet sent (before the run's transaction) */
int hist_pg_end_copy(struct hist_db *h, struct buf *err);
/* hist_pg_flush() - under the run's lock: the staged reports into the history, and the
 * run's counts into h as hist_add() keeps them for SQLite */
int hist_pg_flush(struct hist_db *h, struct buf *err);
/* hist_pg_fail() - PostgreSQL's message for what failed, its password masked */
int hist_pg_fail(struct hist_db *h, struct buf *err, const char *what);
/* hist_secrets_free() - h->secret's list and its strings */
void hist_secrets_free(char **v);
/* hist_pg_message() - libpq's message msg on one line into out, h's password masked */
void hist_pg_message(const struct hist_db *h, const char *msg, struct buf *out);

#endif
