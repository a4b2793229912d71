/*
 * clu_pool.c - the strings a cluster table's clusters share (histogram values, classes,
 * culprits, frame text), each kept once and packed in chunks (see clu_int.h).
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cluster/clu_int.h"
#include "util/xalloc.h"

#define POOL_CHUNK (64 * 1024)

struct pool_find {
    const struct clu_pool *p;
    const char *s;
};

static int
same_str(const void *ctx, size_t i)
{
    const struct pool_find *f = ctx;

    return !strcmp(f->p->v[i], f->s);
}

static char *
copy(struct clu_pool *p, const char *s, size_t len)
{
    char *d;

    VEC_GROW(p->chunks, p->nchunks + 1, p->capchunks);
    if (len + 1 > POOL_CHUNK / 4) {
        /* a long string: a chunk of its own, put before the one being filled */
        d = xmalloc(len + 1);
        if (p->nchunks) {
            p->chunks[p->nchunks] = p->chunks[p->nchunks - 1];
            p->chunks[p->nchunks - 1] = d;
        } else {
            p->chunks[0] = d;
            p->used = p->size = 0;
        }
        p->nchunks++;
        memcpy(d, s, len + 1);
        return d;
    }
    if (!p->nchunks || p->size - p->used < len + 1) {
        p->chunks[p->nchunks++] = xmalloc(POOL_CHUNK);
        p->used = 0;
        p->size = POOL_CHUNK;
    }
    d = p->chunks[p->nchunks - 1] + p->used;
    memcpy(d, s, len + 1);
    p->used += len + 1;
    return d;
}

/* s as the pool's string (NULL stays NULL) */
const char *
clu_pool_str(struct clu_pool *p, const char *s)
{
    struct pool_find f = { p, s };
    size_t len, i;
    uint64_t hash;

    if (!s)
        return NULL;
    len = strlen(s);
    hash = XXH3_64bits(s, len);
    if ((i = hindex_find(&p->ix, hash, same_str, &f)) != SIZE_MAX)
        return p->v[i];
    VEC_GROW(p->v, p->n + 1, p->cap);
    p->v[p->n] = copy(p, s, len);
    hindex_add(&p->ix, hash, p->n);
    return p->v[p->n++];
}

void
clu_pool_release(struct clu_pool *p)
{
    size_t i;

    for (i = 0; i < p->nchunks; i++)
        free(p->chunks[i]);
    free(p->chunks);
    free(p->v);
    hindex_release(&p->ix);
}
