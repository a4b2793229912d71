/*
 * sym_table.c - every lookup of a run, once: by module UUID and file address.
 */
#include <string.h>

#include "symbolicate/sym_int.h"
#include "util/xalloc.h"

static uint64_t
hash_key(const struct kdk_mod *m, uint64_t addr)
{
    uint64_t h = addr * 0x9e3779b97f4a7c15ull;
    size_t i;

    for (i = 0; i < 16; i++)
        h = (h ^ m->uuid[i]) * 0x100000001b3ull;
    return hindex_mix(h);
}

struct find {
    const struct sym_ctx *s;
    const struct kdk_mod *m;
    uint64_t addr;
};

static int
same_lookup(const void *ctx, size_t i)
{
    const struct find *f = ctx;
    const struct entry *e = &f->s->e[i];

    return e->addr == f->addr && !memcmp(e->mod->uuid, f->m->uuid, 16);
}

struct entry *
sym_table_find(const struct sym_ctx *s, const struct kdk_mod *m, uint64_t addr)
{
    struct find f = { s, m, addr };
    size_t i = hindex_find(&s->ix, hash_key(m, addr), same_lookup, &f);

    return i == SIZE_MAX ? NULL : &s->e[i];
}

struct entry *
sym_table_add(struct sym_ctx *s, const struct kdk_mod *m, uint64_t addr)
{
    struct entry *e;

    VEC_GROW(s->e, s->ne + 1, s->cape);
    e = &s->e[s->ne];
    memset(e, 0, sizeof(*e));
    e->mod = m;
    e->addr = addr;
    e->status = E_PENDING;
    e->sess = (size_t)-1;
    hindex_add(&s->ix, hash_key(m, addr), s->ne++);
    return e;
}
