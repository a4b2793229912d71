/*
 * rd_baseline.c - a previous run's clusters CSV (--baseline): its keys and counts, and the
 * algorithm and rules that made them. Columns are found by the names the model's tables give
 * them (report/rep_csv.c names its columns by the same rows); a count is decimal digits,
 * nothing else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "readers/rd.h"
#include "readers/rd_int.h"
#include "util/cursor.h"
#include "util/err.h"
#include "util/readfile.h"
#include "util/xalloc.h"

#define BASELINE_MAX (256u << 20)
#define COUNT_MAX ((uint64_t)1 << 53)

enum { COL_ID, COL_COUNT, COL_SIG, COL_ALGO, COL_RULES, NCOLS };

int
rd_baseline_load(const char *path, struct kpt_baseline *b, struct buf *err)
{
    size_t len;
    char *data;
    int ret;

    memset(b, 0, sizeof(*b));
    if ((ret = read_regular(path, BASELINE_MAX, &data, &len, err)) < 0)
        return ret;
    ret = rd_baseline_parse(data, len, path, b, err);
    free(data);
    return ret;
}

/* the header's columns: col[COL_*] is the index of each, or -1 */
static void
columns(char **rec, size_t n, long col[NCOLS])
{
    const char *names[NCOLS] = { kpt_cluster_scalars[KPT_CS_ID].key,
                                 kpt_cluster_scalars[KPT_CS_COUNT].key,
                                 kpt_cluster_scalars[KPT_CS_SIGNATURE].key,
                                 kpt_summary_fields[KPT_SF_ALGO].name,
                                 kpt_summary_fields[KPT_SF_RULES].name };
    size_t i, k;

    for (k = 0; k < NCOLS; k++)
        col[k] = -1;
    for (i = 0; i < n; i++)
        for (k = 0; k < NCOLS; k++)
            if (col[k] < 0 && !strcmp(rec[i], names[k]))
                col[k] = (long)i;
}

static const char *
at(char **rec, size_t n, long col)
{
    return col >= 0 && (size_t)col < n ? rec[col] : NULL;
}

/* one data record: an entry when it has a 16-hex key; -1 when its count is no count */
static int
entry(struct kpt_baseline *b, size_t *cap, char **rec, size_t n, const long col[NCOLS])
{
    const char *id = at(rec, n, col[COL_ID]), *cnt = at(rec, n, col[COL_COUNT]), *p, *end;
    const char *sig = at(rec, n, col[COL_SIG]);
    struct kpt_base_entry *e;
    uint64_t v;

    if (!id || !cnt || !rd_is_hex16(id))
        return 0;
    p = cnt;
    end = cnt + strlen(cnt);
    if (cur_dec(&p, end, &v, COUNT_MAX) < 0 || p != end)
        return KPT_E_PARSE;
    VEC_GROW(b->v, b->n + 1, *cap);
    e = &b->v[b->n++];
    e->id = xstrdup(id);
    e->count = (size_t)v;
    e->signature = xstrdup(sig ? sig : "");
    b->total += e->count;
    if (!b->algo && at(rec, n, col[COL_ALGO]))
        b->algo = xstrdup(at(rec, n, col[COL_ALGO]));
    if (!b->rules && at(rec, n, col[COL_RULES]))
        b->rules = xstrdup(at(rec, n, col[COL_RULES]));
    return 0;
}

int
rd_baseline_parse(const char *data, size_t len, const char *path, struct kpt_baseline *b,
                  struct buf *err)
{
    char **rec = NULL;
    size_t cap = 0, n, i, cap_v = 0, line = 1;
    long col[NCOLS];
    const char *p = data, *end = data + len;
    int ret = 0;

    memset(b, 0, sizeof(*b));
    n = rd_csv_record(&p, end, &rec, &cap);
    columns(rec, n, col);
    for (i = 0; i < n; i++)
        free(rec[i]);
    if (col[COL_ID] < 0 || col[COL_COUNT] < 0)
        ret = kpt_fail(err, KPT_E_FORMAT,
                       "%s: not a kptrace-batch clusters CSV (no signature_id and count columns)",
                       path);
    while (!ret && (n = rd_csv_record(&p, end, &rec, &cap)) > 0) {
        line++;
        if (entry(b, &cap_v, rec, n, col) < 0)
            ret = kpt_fail(err, KPT_E_PARSE,
                           "%s: record %zu: the count is not a number from 0 to 2^53", path, line);
        for (i = 0; i < n; i++)
            free(rec[i]);
    }
    free(rec);
    if (ret < 0) {
        kpt_baseline_release(b);
        return ret;
    }
    if (b->n > 1)
        qsort(b->v, b->n, sizeof(*b->v), kpt_base_entry_cmp);
    return 0;
}
