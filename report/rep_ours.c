/*
 * rep_ours.c - what an output of ours looks like from its first bytes: an earlier run's
 * output lying in an input folder is passed over, not read as an input, and may be
 * replaced. The heads are those the writers write (rep_int.h) and the CSVs' first columns
 * (rep_csv.c's tables).
 */
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"

/* the CSVs are known by their first columns */
#define CSV_HEAD_COLS 3

static int
starts(const char *head, size_t n, const char *with)
{
    size_t k = strlen(with);

    return k && n >= k && !memcmp(head, with, k);
}

int
rep_is_earlier_output(const char *head, size_t n)
{
    static const char *const heads[] = {
        REP_HEAD_MD, REP_HEAD_JSON, REP_HEAD_STATE, REP_HEAD_HTML, REP_HEAD_SVG,
    };
    struct buf c = BUF_INIT, r = BUF_INIT;
    size_t i;
    int ours;

    rep_csv_heads(&c, &r, CSV_HEAD_COLS);
    ours = starts(head, n, c.data) || starts(head, n, r.data);
    for (i = 0; i < sizeof(heads) / sizeof(heads[0]) && !ours; i++)
        ours = starts(head, n, heads[i]);
    buf_release(&c);
    buf_release(&r);
    return ours;
}
