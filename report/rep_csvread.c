/*
 * rep_csvread.c - reading CSV back: a --baseline's records, and a state's rows re-rendered
 * as this tool writes them.
 */
#include <stdlib.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/xalloc.h"

/* one record of RFC 4180 CSV from *p: fields into out (each malloc'd); 0 at the end */
size_t
rep_csv_record(const char **p, const char *end, char ***out, size_t *cap)
{
    size_t n = 0;

    if (*p >= end)
        return 0;
    for (;;) {
        struct buf f = BUF_INIT;

        if (*p < end && **p == '"') {
            (*p)++;
            while (*p < end) {
                if (**p == '"') {
                    if (*p + 1 < end && (*p)[1] == '"') {
                        buf_addc(&f, '"');
                        *p += 2;
                        continue;
                    }
                    (*p)++;
                    break;
                }
                buf_addc(&f, **p);
                (*p)++;
            }
        }
        while (*p < end && **p != ',' && **p != '\r' && **p != '\n')
            buf_addc(&f, *(*p)++);
        VEC_GROW(*out, n + 1, *cap);
        (*out)[n++] = buf_detach(&f, NULL);
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

char *
rep_csv_canon(const char *row, size_t len)
{
    const char *p = row, *end = row + len;
    char **cells = NULL;
    size_t n = rep_csv_record(&p, end, &cells, &(size_t){ 0 }), i;
    struct buf b = BUF_INIT;

    for (i = 0; i < n; i++) {
        if (i)
            buf_addc(&b, ',');
        rep_csv_cell(&b, cells[i]);
        free(cells[i]);
    }
    free(cells);
    if (!n || p != end) { /* not exactly one record */
        buf_release(&b);
        return NULL;
    }
    buf_adds(&b, "\r\n");
    return buf_detach(&b, NULL);
}
