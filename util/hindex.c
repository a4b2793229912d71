/*
 * hindex.c - a hash index over a dense array (see hindex.h).
 */
#include "util/hindex.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void
hindex_release(struct hindex *h)
{
    free(h->slot);
    memset(h, 0, sizeof(*h));
}

void
hindex_clear(struct hindex *h)
{
    if (h->slot)
        memset(h->slot, 0, h->nslot * sizeof(*h->slot));
    h->n = 0;
}

static void
put(struct hindex_slot *slot, size_t nslot, uint64_t hash, size_t idx1)
{
    size_t k = (size_t)hash & (nslot - 1);

    while (slot[k].idx1)
        k = (k + 1) & (nslot - 1);
    slot[k].hash = hash;
    slot[k].idx1 = idx1;
}

void
hindex_add(struct hindex *h, uint64_t hash, size_t i)
{
    if (st_mult(h->n + 1, 2) > h->nslot) {
        size_t ns = h->nslot ? st_mult(h->nslot, 2) : 64, k;
        struct hindex_slot *slot = xcalloc(ns, sizeof(*slot));

        for (k = 0; k < h->nslot; k++)
            if (h->slot[k].idx1)
                put(slot, ns, h->slot[k].hash, h->slot[k].idx1);
        free(h->slot);
        h->slot = slot;
        h->nslot = ns;
    }
    put(h->slot, h->nslot, hash, st_add(i, 1));
    h->n++;
}

size_t
hindex_find(const struct hindex *h, uint64_t hash, int (*eq)(const void *ctx, size_t i),
            const void *ctx)
{
    size_t k;

    if (!h->nslot)
        return SIZE_MAX;
    for (k = (size_t)hash & (h->nslot - 1); h->slot[k].idx1; k = (k + 1) & (h->nslot - 1))
        if (h->slot[k].hash == hash && eq(ctx, h->slot[k].idx1 - 1))
            return h->slot[k].idx1 - 1;
    return SIZE_MAX;
}

uint64_t
hindex_mix(uint64_t v)
{
    /* splitmix64's finalizer */
    v ^= v >> 30;
    v *= 0xbf58476d1ce4e5b9ull;
    v ^= v >> 27;
    v *= 0x94d049bb133111ebull;
    return v ^ (v >> 31);
}
