/*
 * hist_count.c - what a run counts per key (a signature, an OS build, an identity): found
 * by the key's XXH3 hash, as the cluster table's pool finds its strings.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "history/hist_int.h"
#include "util/xalloc.h"

struct key_find {
    const struct hist_counts *c;
    const char *key;
};

static int
same_key(const void *ctx, size_t i)
{
    const struct key_find *f = ctx;

    return !strcmp(f->c->v[i].key, f->key);
}

struct hist_count *
hist_count_of(struct hist_counts *c, const char *key)
{
    struct key_find f = { c, key };
    uint64_t hash = XXH3_64bits(key, strlen(key)); /* as the cluster table's pool */
    size_t i = hindex_find(&c->ix, hash, same_key, &f);

    if (i == SIZE_MAX) {
        VEC_GROW(c->v, c->n + 1, c->cap);
        i = c->n++;
        memset(&c->v[i], 0, sizeof(c->v[i]));
        c->v[i].key = xstrdup(key);
        hindex_add(&c->ix, hash, i);
    }
    return &c->v[i];
}

int64_t
hist_count_change(const struct hist_count *c)
{
    return (int64_t)(c->new_reports + c->moved_in) - (int64_t)c->moved_out;
}

void
hist_counts_release(struct hist_counts *c)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        free(c->v[i].key);
    free(c->v);
    hindex_release(&c->ix);
    memset(c, 0, sizeof(*c));
}
