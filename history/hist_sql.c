/*
 * hist_sql.c - the one way the history's shared code talks to either engine: a statement
 * prepared (SQLite's ?N parameters become PostgreSQL's $N), its values bound (PostgreSQL's
 * as text), stepped row by row, its columns read; a failure as words; a time or a count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/cursor.h"
#include "util/civil.h"
#include "util/err.h"
#include "util/esc.h"
#include "util/hex.h"
#include "util/xalloc.h"

int
hist_fail(struct hist_db *h, struct buf *err, const char *what)
{
    if (h && h->pg)
        return hist_pg_fail(h, err, what);
    if (hist_disk_full(h)) /* SQLite calls it a disk I/O error: say what it is */
        return kpt_fail(err, KPT_E_IO, "%s: the disk is full (%s)", what, sqlite3_errmsg(h->db));
    return kpt_fail(err, KPT_E_IO, "%s: %s", what,
                    h && h->db ? sqlite3_errmsg(h->db) : "out of memory");
}

int
hist_disk_full(struct hist_db *h)
{
    return h && h->db &&
           (sqlite3_errcode(h->db) == SQLITE_FULL || sqlite3_system_errno(h->db) == ENOSPC);
}

/* PostgreSQL's result r: 0 when it is no error, else KPT_E_IO with its SQLSTATE kept */
static int
pg_result(struct hist_db *h, PGresult *r)
{
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    const char *state;

    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
        return 0;
    state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(h->pg_state, sizeof(h->pg_state), "%s", state ? state : "");
    return KPT_E_IO;
}

int
hist_exec(struct hist_db *h, const char *sql, struct buf *err)
{
    if (h->pg) {
        PGresult *r = PQexec(h->pg, sql);
        int rc = pg_result(h, r);

        PQclear(r);
        return rc == 0 ? 0 : hist_fail(h, err, "history");
    }
    return sqlite3_exec(h->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
                                                                   : hist_fail(h, err, "history");
}

/* sql with ?N as $N (the history's SQL holds no '?' in a literal) */
static char *
pg_sql(const char *sql, int *nparams)
{
    struct buf b = BUF_INIT;
    const char *c;

    *nparams = 0;
    for (c = sql; *c; c++) {
        if (*c == '?' && c[1] >= '0' && c[1] <= '9') {
            const char *q = c + 1, *end = c + strlen(c);
            uint64_t n;

            /* our own SQL's "?N": N is a parameter's number, 1 to 99 */
            if (!cur_dec(&q, end, &n, 99) && (int)n > *nparams)
                *nparams = (int)n;
            buf_addc(&b, '$');
        } else {
            buf_addc(&b, *c);
        }
    }
    return buf_detach(&b, NULL);
}

int
hist_prepare(struct hist_db *h, const char *sql, struct hq **q, struct buf *err)
{
    struct hq *x = xcalloc(1, sizeof(*x));

    x->h = h;
    *q = NULL;
    if (h->pg) {
        char *text = pg_sql(sql, &x->nparams);
        PGresult *r;
        int rc;

        if (x->nparams > HQ_PARAMS) { /* checked before the server holds a statement */
            rc = x->nparams;
            free(text);
            free(x);
            return kpt_fail(err, KPT_E_IO,
                            "history: a statement of %d parameters (this build binds at most %d)",
                            rc, HQ_PARAMS);
        }
        snprintf(x->name, sizeof(x->name), "kpt%u", ++h->nstmt);
        r = PQprepare(h->pg, x->name, text, 0, NULL);
        rc = pg_result(h, r);
        PQclear(r);
        free(text);
        if (rc < 0) {
            free(x);
            return hist_fail(h, err, "history");
        }
    } else if (sqlite3_prepare_v2(h->db, sql, -1, &x->st, NULL) != SQLITE_OK) {
        free(x);
        return hist_fail(h, err, "history");
    }
    *q = x;
    return 0;
}

int
hist_cached(struct hist_db *h, struct hq **q, const char *sql, struct buf *err)
{
    if (*q) {
        hq_clear(*q);
        return 0;
    }
    return hist_prepare(h, sql, q, err);
}

void
hq_reset(struct hq *q)
{
    if (q->st)
        sqlite3_reset(q->st);
    PQclear(q->res);
    q->res = NULL;
    q->ran = q->row = q->nrows = 0;
}

void
hq_clear(struct hq *q)
{
    int i;

    hq_reset(q);
    if (q->st)
        sqlite3_clear_bindings(q->st);
    for (i = 0; i < HQ_PARAMS; i++) {
        free(q->param[i]);
        q->param[i] = NULL;
    }
}

void
hq_finalize(struct hq *q)
{
    if (!q)
        return;
    hq_clear(q);
    if (q->st)
        sqlite3_finalize(q->st);
    else if (q->h->pg && q->name[0]) { /* the statement's name freed on the server too */
        char sql[48];

        snprintf(sql, sizeof(sql), "DEALLOCATE %s", q->name);
        PQclear(PQexec(q->h->pg, sql));
    }
    free(q);
}

int
hq_end(struct hq *q, int ok, struct buf *err, const char *what)
{
    int rc = ok ? 0 : hist_fail(q->h, err, what);

    hq_finalize(q);
    return rc;
}

void
hist_pg_text(struct buf *b, const char *s, int copy)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, n;

    while (i < len) {
        unsigned char c = p[i];

        if (copy && (c == '\\' || c == '\t' || c == '\n' || c == '\r')) {
            buf_adds(b, c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r");
            i++;
        } else if (c < 0x80) {
            buf_addc(b, (char)c);
            i++;
        } else if ((n = esc_utf8_len(p + i, len - i)) > 0) {
            buf_add(b, p + i, n);
            i += n;
        } else {
            buf_adds(b, "\xef\xbf\xbd");
            i++;
        }
    }
}

void
hist_bind_text(struct hq *q, int i, const char *s)
{
    struct buf t = BUF_INIT;

    if (q->st) {
        if (s)
            sqlite3_bind_text(q->st, i, s, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(q->st, i);
        return;
    }
    if (i < 1 || i > HQ_PARAMS)
        return;
    free(q->param[i - 1]);
    q->param[i - 1] = NULL;
    if (s) { /* the server takes UTF-8 only: a file name's odd bytes as U+FFFD, as COPY's */
        hist_pg_text(&t, s, 0);
        q->param[i - 1] = buf_detach(&t, NULL);
    }
}

void
hq_bind_int(struct hq *q, int i, int64_t v)
{
    char t[24];

    if (q->st) {
        sqlite3_bind_int64(q->st, i, (sqlite3_int64)v);
        return;
    }
    snprintf(t, sizeof(t), "%lld", (long long)v);
    hist_bind_text(q, i, t);
}

int
hq_step(struct hq *q)
{
    if (q->st) {
        int rc = sqlite3_step(q->st);

        return rc == SQLITE_ROW ? HQ_ROW : rc == SQLITE_DONE ? HQ_DONE : KPT_E_IO;
    }
    if (!q->ran) {
        q->ran = 1;
        q->res = PQexecPrepared(q->h->pg, q->name, q->nparams, (const char *const *)q->param, NULL,
                                NULL, 0);
        if (pg_result(q->h, q->res) < 0)
            return KPT_E_IO;
        q->nrows = PQntuples(q->res);
        q->row = -1;
    } else if (!q->res) {
        return KPT_E_IO;
    }
    if (q->row + 1 >= q->nrows) {
        q->row = q->nrows;
        return HQ_DONE;
    }
    q->row++;
    return HQ_ROW;
}

int
hq_queue(struct hq *q)
{
    PGconn *pg = q->h->pg;
    int rc;

    if (q->st) {
        rc = hq_step(q);
        hq_reset(q);
        return rc == HQ_DONE ? 0 : KPT_E_IO;
    }
    if (PQpipelineStatus(pg) == PQ_PIPELINE_OFF && !PQenterPipelineMode(pg))
        return KPT_E_IO;
    return PQsendQueryPrepared(pg, q->name, q->nparams, (const char *const *)q->param, NULL, NULL,
                               0)
               ? 0
               : KPT_E_IO;
}

int
hq_drain(struct hist_db *h)
{
    PGresult *r;
    int ok, synced, done = 0;

    if (!h->pg || PQpipelineStatus(h->pg) == PQ_PIPELINE_OFF)
        return 0;
    ok = synced = PQpipelineSync(h->pg) == 1;
    /* each statement's result then NULL, up to the sync's; the first error kept (those after
     * it are PGRES_PIPELINE_ABORTED) */
    while (synced && !done) {
        if (!(r = PQgetResult(h->pg))) {
            if (PQstatus(h->pg) != CONNECTION_OK)
                break;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC)
            done = 1;
        else if (ok && PQresultStatus(r) != PGRES_PIPELINE_ABORTED && pg_result(h, r) < 0) {
            ok = 0; /* its message, which the sync clears from the connection's */
            buf_adds(&h->pg_err, PQresultErrorMessage(r));
        }
        PQclear(r);
    }
    return PQexitPipelineMode(h->pg) && ok && done ? 0 : -1;
}

const char *
hq_value(struct hq *q, int i, size_t *len)
{
    const char *s;

    if (q->st) {
        s = (const char *)sqlite3_column_text(q->st, i);
        *len = s ? (size_t)sqlite3_column_bytes(q->st, i) : 0;
        return s;
    }
    *len = 0;
    if (!q->res || q->row < 0 || q->row >= q->nrows || i < 0 || i >= PQnfields(q->res) ||
        PQgetisnull(q->res, q->row, i))
        return NULL;
    *len = (size_t)PQgetlength(q->res, q->row, i);
    return PQgetvalue(q->res, q->row, i);
}

int
hist_int_parse(const char *s, size_t len, int64_t *v)
{
    uint64_t x = 0, lim;
    size_t i = 0;
    int neg = 0;

    if (!s || !len)
        return KPT_E_PARSE;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return KPT_E_PARSE;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';

        if (d > 9 || x > (lim - d) / 10)
            return KPT_E_PARSE;
        x = x * 10 + d;
    }
    *v = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x) : (int64_t)x;
    return 0;
}

int
hq_int(struct hq *q, int i, int64_t *v)
{
    const char *s;
    size_t len;

    *v = 0;
    if (q->st) {
        if (sqlite3_column_type(q->st, i) != SQLITE_INTEGER)
            return 0;
        *v = sqlite3_column_int64(q->st, i);
        return 1;
    }
    s = hq_value(q, i, &len);
    if (hist_int_parse(s, len, v) < 0) {
        *v = 0;
        return 0;
    }
    return 1;
}

int64_t
hq_changes(struct hq *q)
{
    int64_t v;
    const char *t;

    if (q->st)
        return sqlite3_changes(sqlite3_db_handle(q->st));
    t = q->res ? PQcmdTuples(q->res) : "";
    return hist_int_parse(t, strlen(t), &v) == 0 ? v : 0;
}

char *
hist_text(struct hq *q, int i)
{
    size_t len;
    const char *s = hq_value(q, i, &len);

    return s ? xmemdup0(s, len) : NULL;
}

int64_t
hist_time(const char *s)
{
    int64_t t;

    return s && civil_parse_date(s, &t) == 0 ? t : 0;
}

size_t
hist_count(struct hq *q, int i)
{
    int64_t v;

    return hq_int(q, i, &v) && v > 0 ? (size_t)v : 0;
}

size_t
hist_count_add(size_t a, size_t b)
{
    return a > HIST_COUNT_MAX || b > HIST_COUNT_MAX - a ? HIST_COUNT_MAX : a + b;
}

void
hist_time_text(char out[24], int64_t t)
{
    struct arena *a = arena_new(256);
    const char *s = kpt_time_text(a, t, 0);

    snprintf(out, 24, "%s", s);
    arena_free(a);
}

const char *
hq_str(struct hq *q, int i)
{
    size_t len;

    return hq_value(q, i, &len);
}

int64_t
hq_i64(struct hq *q, int i)
{
    int64_t v;

    hq_int(q, i, &v);
    return v;
}

void
hist_rollback(struct hist_db *h)
{
    if (h->pg)
        PQclear(PQexec(h->pg, "ROLLBACK"));
    else if (h->db)
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
}

/* s with every occurrence of what (not empty) as **** */
static void
mask_in(struct buf *s, const char *what)
{
    struct buf out = BUF_INIT;
    size_t n = what ? strlen(what) : 0;
    const char *p = s->data, *f;

    if (!n)
        return;
    while ((f = strstr(p, what))) {
        buf_add(&out, p, (size_t)(f - p));
        buf_adds(&out, "****");
        p = f + n;
    }
    if (p == s->data) {
        buf_release(&out);
        return;
    }
    buf_adds(&out, p);
    buf_release(s);
    *s = out;
}

/* s percent-decoded (malloc'd) */
static char *
pct_decode(const char *s)
{
    struct buf b = BUF_INIT;

    for (; *s; s++) {
        if (*s == '%' && hex_digit(s[1]) >= 0 && hex_digit(s[2]) >= 0) {
            buf_addc(&b, (char)(hex_digit(s[1]) * 16 + hex_digit(s[2])));
            s += 2;
        } else {
            buf_addc(&b, *s);
        }
    }
    return buf_detach(&b, NULL);
}

/* s with the value of each password=VALUE (sslpassword= too: a conninfo's keyword form) as **** */
static void
mask_keyword(struct buf *s)
{
    struct buf out = BUF_INIT;
    const char *p = s->data, *f;

    while ((f = strstr(p, "password="))) {
        f += 9;
        buf_add(&out, p, (size_t)(f - p));
        buf_adds(&out, "****");
        p = f + strcspn(f, " \t\r\n&'\"");
    }
    if (p == s->data) {
        buf_release(&out);
        return;
    }
    buf_adds(&out, p);
    buf_release(s);
    *s = out;
}

/* libpq's message on one line, the passwords masked (as written and decoded) before its
 * spaces are collapsed: a password holding two spaces, a tab or a newline is masked too */
void
hist_pg_message(const struct hist_db *h, const char *msg, struct buf *out)
{
    struct buf raw = BUF_INIT;
    const char *c;
    size_t i;
    int space = 0;

    buf_adds(&raw, msg ? msg : "");
    for (i = 0; h->secret && h->secret[i]; i++) {
        char *dec = pct_decode(h->secret[i]);

        mask_in(&raw, h->secret[i]);
        mask_in(&raw, dec);
        free(dec);
    }
    mask_keyword(&raw);
    for (c = raw.data; *c && out->len < 64 * 1024; c++) {
        if (*c == '\n' || *c == '\t' || *c == '\r' || *c == ' ') {
            space = out->len > 0;
            continue;
        }
        if (space)
            buf_addc(out, ' ');
        space = 0;
        buf_addc(out, *c);
    }
    buf_release(&raw);
    if (!out->len)
        buf_adds(out, "no message");
    if (out->len > 400) { /* cut after the masking: never half a password */
        out->len = 400;
        out->data[400] = 0;
        buf_adds(out, "...");
    }
}

int
hist_pg_fail(struct hist_db *h, struct buf *err, const char *what)
{
    struct buf m = BUF_INIT;
    const char *st = h->pg_state, *why = "";
    int rc;

    hist_pg_message(h,
                    h->pg_err.len ? h->pg_err.data
                    : h->pg       ? PQerrorMessage(h->pg)
                                  : "out of memory",
                    &m);
    buf_reset(&h->pg_err);
    if (!strcmp(st, "55P03"))
        why = "gave up waiting for a lock after lock_timeout (another run or triage held the "
              "history's"
              " write lock or a row; PGOPTIONS='-c lock_timeout=10min' waits longer): ";
    else if (!strcmp(st, "57014"))
        why = "a statement ran past statement_timeout (PGOPTIONS='-c statement_timeout=1h' allows "
              "more): ";
    else if (!strcmp(st, "42501") || !strcmp(st, "25006"))
        why = "the role may not write the history (a read-only role serves 'history' only): ";
    else if (h->pg && PQstatus(h->pg) == CONNECTION_BAD)
        why = "the connection to the server was lost: ";
    rc = kpt_fail(err, KPT_E_IO, "%s: %s%s", what, why, m.data);
    buf_release(&m);
    return rc;
}
