#include "util/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/diag.h" /* DIAG_PREFIX only: these two cannot allocate, so they write themselves */

/* out of memory: temporaries and children go, and the exit status says so (4) */
static void
die_oom(size_t n)
{
    char msg[96];
    int k = snprintf(msg, sizeof(msg), DIAG_PREFIX "out of memory allocating %zu bytes\n", n);

    cleanup_now();
    if (k > 0 && write(2, msg, (size_t)k) < 0)
        k = 0;
    _exit(4);
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        die_oom(n);
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        die_oom(st_mult(n, size));
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        die_oom(n);
    return q;
}

char *
xstrdup(const char *s)
{
    return xmemdup0(s, strlen(s));
}

char *
xmemdup0(const void *p, size_t n)
{
    char *q = xmalloc(st_add(n, 1));

    if (n)
        memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

size_t
st_add(size_t a, size_t b)
{
    if (a > SIZE_MAX - b)
        KPT_BUG("size overflow: %zu + %zu", a, b);
    return a + b;
}

size_t
st_mult(size_t a, size_t b)
{
    if (a && b > SIZE_MAX / a)
        KPT_BUG("size overflow: %zu * %zu", a, b);
    return a * b;
}

void
kpt_bug(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, DIAG_PREFIX "BUG at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
