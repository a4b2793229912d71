/*
 * sym_learn.c - names learned across the fleet.
 *
 * A name a report prints for a frame of binary X (a kext's UUID from "Kernel Extensions in
 * backtrace", or the kernel's UUID) at module offset O is a fact about X at O. Pass 1 notes
 * every such fact; pass 2 names the frames of X at O that no KDK or --kext resolved, in
 * every report of the run. Keyed by UUID and offset, never by bundle id alone. Printed names
 * that disagree for one (X, O) are counted; the most frequent wins, ties to the smaller
 * name, so the result does not depend on the order of the inputs. Learned names are report
 * text: they are escaped like any, and never sent to lldb.
 */
#include <stdlib.h>
#include <string.h>

#include "symbolicate/sym_int.h"
#include "util/xalloc.h"

#define LEARN_MAX (1u << 20) /* distinct (binary, offset) facts kept per run */
#define CANDIDATES_MAX 8     /* distinct names kept per fact */

struct cand {
    char *name; /* as printed (mangled) */
    uint64_t func_off;
    size_t count;
};

struct fact {
    uint8_t uuid[16];
    uint64_t off;
    struct cand c[CANDIDATES_MAX];
    size_t nc, best; /* best: the winner's index, once decided */
};

struct sym_learn {
    struct fact *v;
    size_t n, cap, dropped;
    struct hindex ix;
    int decided;
};

struct sym_learn *
sym_learn_new(void)
{
    return xcalloc(1, sizeof(struct sym_learn));
}

void
sym_learn_free(struct sym_learn *l)
{
    size_t i, k;

    if (!l)
        return;
    for (i = 0; i < l->n; i++)
        for (k = 0; k < l->v[i].nc; k++)
            free(l->v[i].c[k].name);
    free(l->v);
    hindex_release(&l->ix);
    free(l);
}

static uint64_t
fact_hash(const uint8_t uuid[16], uint64_t off)
{
    uint64_t h = off;
    size_t i;

    for (i = 0; i < 16; i++)
        h = (h ^ uuid[i]) * 0x100000001b3ull;
    return hindex_mix(h);
}

struct key {
    const struct sym_learn *l;
    const uint8_t *uuid;
    uint64_t off;
};

static int
same_fact(const void *ctx, size_t i)
{
    const struct key *k = ctx;

    return k->l->v[i].off == k->off && !memcmp(k->l->v[i].uuid, k->uuid, 16);
}

static struct fact *
find(const struct sym_learn *l, const uint8_t uuid[16], uint64_t off)
{
    struct key k = { l, uuid, off };
    size_t i = hindex_find(&l->ix, fact_hash(uuid, off), same_fact, &k);

    return i == SIZE_MAX ? NULL : &l->v[i];
}

void
sym_learn_note(struct sym_learn *l, const uint8_t uuid[16], uint64_t off, const char *name,
               uint64_t func_off)
{
    struct fact *f = find(l, uuid, off);
    size_t k;

    if (!f) {
        if (l->n >= LEARN_MAX) {
            l->dropped++;
            return;
        }
        VEC_GROW(l->v, l->n + 1, l->cap);
        f = &l->v[l->n];
        memset(f, 0, sizeof(*f));
        memcpy(f->uuid, uuid, 16);
        f->off = off;
        hindex_add(&l->ix, fact_hash(uuid, off), l->n++);
    }
    for (k = 0; k < f->nc; k++)
        if (f->c[k].func_off == func_off && !strcmp(f->c[k].name, name)) {
            f->c[k].count++;
            return;
        }
    if (f->nc == CANDIDATES_MAX) {
        l->dropped++;
        return;
    }
    f->c[f->nc].name = xstrdup(name);
    f->c[f->nc].func_off = func_off;
    f->c[f->nc].count = 1;
    f->nc++;
}

/* the most frequent name of each fact; ties to the smaller name, then offset */
static int
better(const struct cand *a, const struct cand *b)
{
    int c;

    if (a->count != b->count)
        return a->count > b->count;
    if ((c = strcmp(a->name, b->name)))
        return c < 0;
    return a->func_off < b->func_off;
}

void
sym_learn_decide(struct sym_learn *l, size_t *facts, size_t *conflicts, size_t *dropped)
{
    size_t i, k;

    *facts = l->n;
    *conflicts = 0;
    *dropped = l->dropped;
    for (i = 0; i < l->n; i++) {
        struct fact *f = &l->v[i];

        f->best = 0;
        for (k = 1; k < f->nc; k++)
            if (better(&f->c[k], &f->c[f->best]))
                f->best = k;
        *conflicts += f->nc > 1;
    }
    l->decided = 1;
}

const char *
sym_learn_find(const struct sym_learn *l, const uint8_t uuid[16], uint64_t off, uint64_t *func_off)
{
    const struct fact *f;

    if (!l->decided || !(f = find(l, uuid, off)) || !f->nc)
        return NULL;
    *func_off = f->c[f->best].func_off;
    return f->c[f->best].name;
}
