/*
 * hist_sql.c - the few ways the history's files talk to SQLite: a failure as words, a
 * statement run or prepared (once, for statements a run repeats), a parameter bound, a
 * column read as text, a time or a count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/civil.h"
#include "util/err.h"
#include "util/xalloc.h"

int
hist_fail(struct hist_db *h, struct buf *err, const char *what)
{
    return kpt_fail(err, KPT_E_IO, "%s: %s", what, h && h->db ? sqlite3_errmsg(h->db) : "out of memory");
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

size_t
hist_count_add(size_t a, size_t b)
{
    return a > HIST_COUNT_MAX || b > HIST_COUNT_MAX - a ? HIST_COUNT_MAX : a + b;
}

int
hist_cached(struct hist_db *h, sqlite3_stmt **st, const char *sql, struct buf *err)
{
    if (*st) {
        sqlite3_reset(*st);
        sqlite3_clear_bindings(*st);
        return 0;
    }
    return hist_prepare(h, sql, st, err);
}

void
hist_time_text(char out[24], int64_t t)
{
    struct arena *a = arena_new(256);
    const char *s = kpt_time_text(a, t, 0);

    snprintf(out, 24, "%s", s);
    arena_free(a);
}
