/*
 * hist_int.h - what the history's files share; private to history/.
 */
#ifndef KPT_HIST_INT_H
#define KPT_HIST_INT_H

#include <sqlite3.h>

#include "history/hist.h"
#include "util/arena.h"
#include "util/hindex.h"

/* The run's pages stay in SQLite's cache up to this size (KiB) until its commit: its
 * reports are written in the order they come, which is no order of the table's. */
#define HIST_CACHE_KB (64 * 1024)

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

struct hist_db {
    sqlite3 *db;
    char *path;
    struct arena *arena;  /* what *out of hist_annotate() points into */
    int locked;           /* BEGIN IMMEDIATE was taken: COMMIT or ROLLBACK ends it */
    int64_t run_id, started;
    const char *kind;
    sqlite3_stmt *add, *old, *known, *add_sig; /* a report of the run: new, known; a signature */
    struct hist_counts sigc;   /* the run's reports per signature (and those moved out) */
    struct hist_counts buildc; /* its new reports per OS build ("?": none) */
    sqlite3_stmt *info_st, *total_st, *merged_st; /* hist_cluster_info()'s, prepared once */
    struct hist_target *targets; /* every merge triage recorded, by 'from' */
    size_t ntargets;
    struct kpt_run_hist rh;
    size_t nclusters;     /* entries of rh.clusters */
    int64_t *trend_ids;   /* the runs of rh's trends (in arena) */
};

/* hist_fail() - "what: SQLite's message" into err; returns KPT_E_IO */
int hist_fail(struct hist_db *h, struct buf *err, const char *what);
/* hist_exec() - run SQL without parameters; 0 or hist_fail() */
int hist_exec(struct hist_db *h, const char *sql, struct buf *err);
/* hist_prepare() - 0, or hist_fail() naming the statement's purpose */
int hist_prepare(struct hist_db *h, const char *sql, sqlite3_stmt **st, struct buf *err);
/* hist_cached() - *st prepared once per history (NULL until then), reset and its
 * bindings cleared for each later use; 0 or hist_fail() */
int hist_cached(struct hist_db *h, sqlite3_stmt **st, const char *sql, struct buf *err);
/* hist_text() - column i of st as a malloc'd string, NULL for NULL */
char *hist_text(sqlite3_stmt *st, int i);
/* hist_bind_text() - s (may be NULL) as parameter i */
int hist_bind_text(sqlite3_stmt *st, int i, const char *s);
/* hist_time() - a stored "YYYY-MM-DDTHH:MM:SSZ" as seconds since the epoch (0: unreadable) */
int64_t hist_time(const unsigned char *s);
/* hist_time_text() - t as "YYYY-MM-DDTHH:MM:SSZ" */
void hist_time_text(char out[24], int64_t t);
/* hist_count() - an INTEGER column as a count (negative or not an integer: 0) */
size_t hist_count(sqlite3_stmt *st, int i);
/* hist_count_add() - a + b, at most HIST_COUNT_MAX (what SQLite and JSON hold) */
#define HIST_COUNT_MAX ((size_t)INT64_MAX)
size_t hist_count_add(size_t a, size_t b);
/* hist_trend() - for cluster 'id' (and those merged into it) the new reports of each run
 * from run_ids[0..n) into trend (the ids ascending); 0 or -1 */
int hist_trend(sqlite3_stmt *st, const char *id, const int64_t *run_ids,
               size_t n, size_t *trend);
/* the statement hist_trend() takes: ?1 the cluster, ?2 the first run id */
extern const char hist_trend_sql[];
/* hist_cluster_info() - status, bug, note, first seen, merges and (with_total) the reports
 * held of cluster 'id' into ch (strings malloc'd); 1 when the history has no such cluster */
int hist_cluster_info(struct hist_db *h, const char *id, int with_total, struct kpt_cluster_hist *ch,
                      struct buf *err);
void hist_cluster_hist_release(struct kpt_cluster_hist *ch);
/* hist_run_release() - what a run kept in h (statements, merges, signatures, annotation);
 * hist_close() calls it */
void hist_run_release(struct hist_db *h);

#endif
