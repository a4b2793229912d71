/*
 * fuzz_history_pg.c - the values a PostgreSQL history gives back, of any bytes: libpq hands
 * every column over as text, which the history's statement layer (history/hist_sql.c)
 * reads as text, as an integer, as a count or as a time. The bytes become a result of up to
 * 8 columns (the first byte) whose cells are the lines of the rest ("\N" a NULL), read row
 * by row as the history's readers read a result (hist_annot.c, hist_cluster.c,
 * hist_triage.c share these calls with SQLite's). Also: the bytes as a --history URI, shown
 * (hist_shown()) with no password left, and as a server message, masked; and as the parts
 * of a URI whose passwords (user:PW@, password=, sslpassword=) are never shown.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history/hist_int.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a result of ncols text columns from lines (NULL cells for "\N") */
static PGresult *
make_result(const char *s, size_t len, int ncols)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc *att = xcalloc((size_t)ncols, sizeof(*att));
    char names[8][4];
    size_t pos = 0;
    int i, cell = 0;

    if (!r) {
        free(att);
        return NULL;
    }
    for (i = 0; i < ncols; i++) {
        names[i][0] = 'c';
        names[i][1] = (char)('0' + i);
        names[i][2] = 0;
        att[i].name = names[i];
        att[i].typid = 25; /* text */
        att[i].typlen = -1;
        att[i].atttypmod = -1;
    }
    if (!PQsetResultAttrs(r, ncols, att)) {
        free(att);
        PQclear(r);
        return NULL;
    }
    free(att);
    while (pos <= len && cell < 4096) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (s + pos)) : len - pos;
        int isnull = n == 2 && s[pos] == '\\' && s[pos + 1] == 'N';

        if (!PQsetvalue(r, cell / ncols, cell % ncols, isnull ? NULL : (char *)(s + pos),
                        isnull ? -1 : (int)n))
            break;
        cell++;
        pos += n + 1;
        if (!nl)
            break;
    }
    return r;
}

static void
read_rows(struct hist_db *h, PGresult *r, int ncols)
{
    struct hq q;
    int i;

    memset(&q, 0, sizeof(q));
    q.h = h;
    q.res = r;
    q.ran = 1;
    q.row = -1;
    q.nrows = PQntuples(r);
    while (hq_step(&q) == HQ_ROW)
        for (i = 0; i <= ncols; i++) { /* one past the last column too */
            int64_t v;
            size_t len;
            const char *s = hq_value(&q, i, &len);
            char *t = hist_text(&q, i);

            if ((s == NULL) != (t == NULL) || (t && (strlen(t) > len || memcmp(s, t, strlen(t)))))
                abort();
            if (hq_int(&q, i, &v) && (!s || hist_int_parse(s, len, &v) < 0))
                abort();
            (void)hist_count(&q, i);
            (void)hist_time(t);
            (void)hq_i64(&q, i);
            free(t);
        }
    (void)hq_changes(&q);
    q.res = NULL; /* r is the caller's */
}

/* n bytes of s appended to b, each of bad as '_' and the marker byte 0x01 as 'x' */
static void
add_part(struct buf *b, const char *s, size_t n, const char *bad)
{
    size_t i;

    for (i = 0; i < n; i++)
        buf_addc(b, s[i] == 1 ? 'x' : s[i] && strchr(bad, s[i]) ? '_' : s[i]);
}

/* the bytes as the parts of a URI, split at '\n': user, password, host (and path and
 * parameters), a password= or sslpassword= value; each password libpq would take (user:PW@
 * as libpq ends it, at an '@' before any '/', a '?' or ':' in it; a parameter's value)
 * ends in the marker byte 0x01, found nowhere else: hist_shown() shows no marker */
static void
check_shown(const uint8_t *data, size_t size)
{
    static const char *const keys[] = { "password=", "sslpassword=", "pass%77ord=",
                                        "ssl%70assword=" };
    const char *s = (const char *)data + 1, *part[4] = { "", "", "", "" };
    size_t len[4] = { 0, 0, 0, 0 }, rest = size - 1;
    struct buf b = BUF_INIT;
    char *shown;
    size_t host;
    int i;

    for (i = 0; i < 4; i++) {
        const char *nl = memchr(s, '\n', rest);

        part[i] = s;
        len[i] = nl && i < 3 ? (size_t)(nl - s) : rest;
        if (!nl || i == 3)
            break;
        rest -= len[i] + 1;
        s = nl + 1;
    }
    buf_adds(&b, data[0] & 1 ? "postgresql://" : "postgres://");
    if (data[0] & 2) { /* user:PW@ */
        add_part(&b, part[0], len[0], ":@/\n");
        buf_addc(&b, ':');
        add_part(&b, part[1], len[1], "@/\n");
        buf_adds(&b, "\1@");
    }
    host = b.len;
    add_part(&b, part[2], len[2], "@\n");
    if (data[0] & 4) { /* a password given as a parameter */
        buf_addc(&b, memchr(b.data + host, '?', b.len - host) ? '&' : '?');
        buf_adds(&b, keys[(data[0] >> 3) & 3]);
        add_part(&b, part[3], len[3], "@&\n");
        buf_addc(&b, 1);
    }
    shown = hist_shown(b.data);
    if (!hist_is_uri(shown) || strchr(shown, 1))
        abort();
    free(shown);
    buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hist_db h;
    struct buf m = BUF_INIT;
    char *spec, *shown, *secret[2] = { NULL, NULL };
    PGresult *r;
    int ncols;
    int64_t v;

    if (!size)
        return 0;
    memset(&h, 0, sizeof(h));
    ncols = 1 + data[0] % 8;
    if ((r = make_result((const char *)data + 1, size - 1, ncols))) {
        read_rows(&h, r, ncols);
        PQclear(r);
    }
    (void)hist_int_parse((const char *)data, size, &v);
    check_shown(data, size);
    /* as a URI: nothing between user: and @, nor after password=, is shown */
    spec = xmalloc(size + 14);
    memcpy(spec, "postgresql://", 13);
    memcpy(spec + 13, data, size);
    spec[size + 13] = 0;
    shown = hist_shown(spec);
    if (!hist_is_uri(shown))
        abort();
    secret[0] =
        strlen(spec) > 20 ? xmemdup0(spec + 16, 4) : NULL; /* any four bytes as a password */
    h.secret = secret;
    hist_pg_message(&h, spec, &m);
    if (secret[0] && *secret[0] && !strchr(secret[0], '*') && strstr(m.data, secret[0]))
        abort();
    free(secret[0]);
    buf_release(&m);
    free(shown);
    free(spec);
    return 0;
}
