/*
 * rd_csv.c - reading CSV this tool wrote (RFC 4180): a --baseline's records, and a state's
 * report rows.
 */
#include <stdlib.h>

#include "readers/rd_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

/* one cell from *p: quoted ("" an escaped quote) or bare, up to , CR or LF */
static char *
cell(const char **p, const char *end)
{
    struct buf f = BUF_INIT;

    if (*p < end && **p == '"') {
        for ((*p)++; *p < end; (*p)++) {
            if (**p == '"' && !(*p + 1 < end && (*p)[1] == '"')) {
                (*p)++;
                break;
            }
            if (**p == '"')
                (*p)++;
            buf_addc(&f, **p);
        }
    }
    while (*p < end && **p != ',' && **p != '\r' && **p != '\n')
        buf_addc(&f, *(*p)++);
    return buf_detach(&f, NULL);
}

size_t
rd_csv_record(const char **p, const char *end, char ***out, size_t *cap)
{
    size_t n = 0;

    if (*p >= end)
        return 0;
    for (;;) {
        VEC_GROW(*out, n + 1, *cap);
        (*out)[n++] = cell(p, end);
        if (*p < end && **p == ',') {
            (*p)++;
            continue;
        }
        if (*p < end && **p == '\r')
            (*p)++;
        if (*p < end && **p == '\n')
            (*p)++;
        return n;
    }
}

int
rd_csv_one(const char *row, size_t len, struct strv *l)
{
    const char *p = row, *end = row + len;
    char **cells = NULL;
    size_t cap = 0, n = rd_csv_record(&p, end, &cells, &cap), i;
    int ok = n && p == end;

    for (i = 0; i < n; i++) {
        if (ok)
            strv_push(l, cells[i]);
        free(cells[i]);
    }
    free(cells);
    return ok ? 0 : KPT_E_PARSE;
}
