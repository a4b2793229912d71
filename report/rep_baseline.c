/*
 * rep_baseline.c - this run's clusters against a previous run's (--baseline, read by
 * readers/rd_baseline.c; SIGNATURES.md §9).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/rep.h"

const struct kpt_base_entry *
rep_baseline_find(const struct kpt_baseline *b, const char *id)
{
    struct kpt_base_entry key;

    if (!b || !b->n)
        return NULL;
    key.id = (char *)(uintptr_t)id;
    return bsearch(&key, b->v, b->n, sizeof(*b->v), kpt_base_entry_cmp);
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
