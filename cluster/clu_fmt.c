/*
 * clu_fmt.c - the few texts a signature is made of, written without printf: a report's
 * tokens and keys are a dozen short strings each, and vsnprintf() was a fifth of a run's
 * instructions. Each writes exactly what the printf format it replaces wrote.
 */
#include <stdarg.h>
#include <string.h>

#include "cluster/clu_int.h"
#include "util/xalloc.h"

size_t
clu_hex(char out[17], uint64_t v)
{
    char t[16];
    size_t n = 0, i;

    do {
        t[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t
clu_dec(char out[21], uint64_t v)
{
    char t[20];
    size_t n = 0, i;

    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    out[n] = '\0';
    return n;
}

const char *
clu_hex16(struct arena *a, uint64_t v)
{
    char *p = arena_alloc(a, 17);
    int i;

    for (i = 15; i >= 0; i--) {
        p[i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    }
    return p;
}

char *
clu_cat(struct arena *a, ...)
{
    va_list ap;
    const char *s;
    size_t n = 0;
    char *out, *p;

    va_start(ap, a);
    while ((s = va_arg(ap, const char *)) != NULL)
        n = st_add(n, strlen(s));
    va_end(ap);
    p = out = arena_alloc(a, st_add(n, 1));
    va_start(ap, a);
    while ((s = va_arg(ap, const char *)) != NULL) {
        size_t k = strlen(s);

        memcpy(p, s, k);
        p += k;
    }
    va_end(ap);
    return out;
}
