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

/* "LEN:TEXT," */
static void
ns_len(struct buf *out, const char *s, size_t n)
{
    char d[21];

    buf_add(out, d, clu_dec(d, n));
    buf_addc(out, ':');
    buf_add(out, s, n);
    buf_addc(out, ',');
}

static void
ns(struct buf *out, const char *s)
{
    ns_len(out, s, strlen(s));
}

void
clu_canon_list(struct buf *out, const char *const *v, size_t n)
{
    char d[21];
    size_t i;

    ns_len(out, d, clu_dec(d, n)); /* the count, as a string of its digits */
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
    clu_canon_list(out, fields, nfields);
    clu_canon_list(out, items, nitems);
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
