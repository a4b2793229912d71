/*
 * clu_key.c - the canonical serialization of a key and its hash (SIGNATURES.md §5.2,
 * §5.3), shared by the signatures and the rules digest.
 */
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"

static void
ns(struct buf *out, const char *s)
{
    buf_addf(out, "%zu:", strlen(s));
    buf_adds(out, s);
    buf_addc(out, ',');
}

static void
list(struct buf *out, const char *const *v, size_t n)
{
    size_t i;

    buf_addf(out, "%zu:%zu,", (size_t)snprintf(NULL, 0, "%zu", n), n);
    for (i = 0; i < n; i++)
        ns(out, v[i]);
}

void
clu_canon(struct buf *out, const char *kind, const char *cls, const char *const *fields,
          size_t nfields, const char *const *items, size_t nitems)
{
    ns(out, "xnusig");
    ns(out, kind);
    ns(out, cls);
    list(out, fields, nfields);
    list(out, items, nitems);
}

uint64_t
clu_hash(const char *canon, size_t len)
{
    return XXH3_64bits_withSeed(canon, len, CLU_SEED);
}

void
clu_ellipsize(struct buf *b, size_t max)
{
    size_t cut;

    if (b->len <= max || max < 3)
        return;
    cut = max - 3;
    while (cut && ((unsigned char)b->data[cut] & 0xc0) == 0x80)
        cut--; /* never inside a UTF-8 sequence */
    b->len = cut;
    b->data[cut] = '\0';
    buf_adds(b, "...");
}
