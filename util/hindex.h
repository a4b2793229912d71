/*
 * hindex.h - a hash index over a dense array that its owner keeps.
 *
 * The owner appends entries to its own array and tells the index each entry's 64-bit hash;
 * a lookup walks the entries with that hash and asks the owner which one is equal. Open
 * addressing, linear probing, at most half full; the hashes are kept, so growing needs
 * nothing from the owner. When the owner reorders its array it calls hindex_clear() and
 * adds every entry again.
 */
#ifndef KPT_HINDEX_H
#define KPT_HINDEX_H

#include <stddef.h>
#include <stdint.h>

struct hindex_slot {
    uint64_t hash;
    size_t idx1; /* index + 1 into the owner's array; 0: empty */
};
struct hindex {
    struct hindex_slot *slot;
    size_t nslot, n;
};

void hindex_release(struct hindex *h);
void hindex_clear(struct hindex *h); /* no entries; memory kept */
/* hindex_add() - entry i of the owner's array has hash */
void hindex_add(struct hindex *h, uint64_t hash, size_t i);
/* hindex_find() - the index of the entry with hash for which eq(ctx, i) is true, or
 * SIZE_MAX */
size_t hindex_find(const struct hindex *h, uint64_t hash, int (*eq)(const void *ctx, size_t i),
                   const void *ctx);
/* hindex_mix() - a 64-bit value spread over every bit (for keys that are not hashes yet) */
uint64_t hindex_mix(uint64_t v);

#endif
