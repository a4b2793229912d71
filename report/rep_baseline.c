/*
 * rep_baseline.c - reading a previous run's clusters CSV (RFC 4180) for --baseline, and the
 * comparison of this run's clusters with it (SIGNATURES.md §9).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"
#include "util/readfile.h"
#include "util/xalloc.h"

#define BASELINE_MAX (256u << 20)

static int
cmp_entry(const void *x, const void *y)
{
    return strcmp(((const struct kpt_base_entry *)x)->id, ((const struct kpt_base_entry *)y)->id);
}

int
rep_baseline_load(const char *path, struct kpt_baseline *b, struct buf *err)
{
    size_t len;
    char *data;
    int ret;

    memset(b, 0, sizeof(*b));
    if ((ret = read_regular(path, BASELINE_MAX, &data, &len, err)) < 0)
        return ret;
    ret = rep_baseline_parse(data, len, path, b, err);
    free(data);
    return ret;
}

int
rep_baseline_parse(const char *data, size_t len, const char *path, struct kpt_baseline *b,
                   struct buf *err)
{
    char **rec = NULL;
    size_t cap = 0, n, i, cap_v = 0;
    long col_id = -1, col_count = -1, col_sig = -1, col_algo = -1, col_rules = -1;
    const char *p, *end;
    int ret = 0;

    memset(b, 0, sizeof(*b));
    p = data;
    end = data + len;
    n = rep_csv_record(&p, end, &rec, &cap);
    for (i = 0; i < n; i++) {
        if (!strcmp(rec[i], "signature_id"))
            col_id = (long)i;
        else if (!strcmp(rec[i], "count"))
            col_count = (long)i;
        else if (!strcmp(rec[i], "signature"))
            col_sig = (long)i;
        else if (!strcmp(rec[i], "algo"))
            col_algo = (long)i;
        else if (!strcmp(rec[i], "rules"))
            col_rules = (long)i;
        free(rec[i]);
    }
    if (col_id < 0 || col_count < 0) {
        buf_addf(err, "%s: not a kptrace-batch clusters CSV (no signature_id and count columns)", path);
        ret = KPT_E_FORMAT;
        goto out;
    }
    while ((n = rep_csv_record(&p, end, &rec, &cap)) > 0) {
        if ((size_t)col_id < n && (size_t)col_count < n && strlen(rec[col_id]) == 16) {
            struct kpt_base_entry *e;

            VEC_GROW(b->v, b->n + 1, cap_v);
            e = &b->v[b->n++];
            e->id = xstrdup(rec[col_id]);
            e->count = strtoul(rec[col_count], NULL, 10);
            e->signature = xstrdup(col_sig >= 0 && (size_t)col_sig < n ? rec[col_sig] : "");
            b->total += e->count;
            if (!b->algo && col_algo >= 0 && (size_t)col_algo < n)
                b->algo = xstrdup(rec[col_algo]);
            if (!b->rules && col_rules >= 0 && (size_t)col_rules < n)
                b->rules = xstrdup(rec[col_rules]);
        }
        for (i = 0; i < n; i++)
            free(rec[i]);
    }
    if (b->n > 1)
        qsort(b->v, b->n, sizeof(*b->v), cmp_entry);
out:
    free(rec);
    if (ret < 0)
        kpt_baseline_release(b);
    return ret;
}

const struct kpt_base_entry *
rep_baseline_find(const struct kpt_baseline *b, const char *id)
{
    struct kpt_base_entry key;

    if (!b || !b->n)
        return NULL;
    key.id = (char *)(uintptr_t)id;
    return bsearch(&key, b->v, b->n, sizeof(*b->v), cmp_entry);
}

/* one line for a cluster against the baseline: NEW, SAME, +N or -N */
const char *
rep_baseline_status(const struct kpt_baseline *b, const struct kpt_cluster *c, char out[32])
{
    const struct kpt_base_entry *e = rep_baseline_find(b, c->id_hex);

    if (!e)
        return "NEW";
    if (e->count == c->count)
        return "SAME";
    snprintf(out, 32, "%+lld", (long long)c->count - (long long)e->count);
    return out;
}
