/*
 * mem.c - byte searches (see mem.h).
 */
#include "util/mem.h"

#include <string.h>

void *
kpt_memmem(const void *h, size_t hn, const void *needle, size_t n)
{
    const unsigned char *p = h, *end, *nd = needle;

    if (!n)
        return (void *)h;
    if (hn < n)
        return NULL;
    end = p + (hn - n);
    while (p <= end) {
        const unsigned char *q = memchr(p, nd[0], (size_t)(end - p) + 1);

        if (!q)
            return NULL;
        if (!memcmp(q, nd, n))
            return (void *)q;
        p = q + 1;
    }
    return NULL;
}

void *
kpt_memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    while (n--)
        if (p[n] == (unsigned char)c)
            return (void *)(p + n);
    return NULL;
}
