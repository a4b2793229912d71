#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

char buf_empty_[1];

void
buf_init(struct buf *b, size_t max)
{
    b->data = buf_empty_;
    b->len = b->alloc = 0;
    b->max = max;
    b->oom = 0;
}

void
buf_release(struct buf *b)
{
    if (b->alloc)
        free(b->data);
    buf_init(b, b->max);
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->alloc) /* buf_empty_ is never written: it is every thread's (-j) */
        b->data[0] = '\0';
}

char *
buf_detach(struct buf *b, size_t *len)
{
    char *p = b->alloc ? b->data : xstrdup("");

    if (len)
        *len = b->len;
    buf_init(b, b->max);
    return p;
}

static int
buf_grow(struct buf *b, size_t extra)
{
    size_t need = st_add(st_add(b->len, extra), 1);

    if (b->max && need > b->max + 1)
        return KPT_E_LIMIT;
    if (need <= b->alloc)
        return 0;
    {
        size_t n = b->alloc ? b->alloc : 64;
        char *old = b->alloc ? b->data : NULL;

        while (n < need)
            n = st_mult(n, 2);
        if (b->max) {
            /* a bounded buffer holds one input: memory running out refuses that input */
            char *q = realloc(old, n);

            if (!q) {
                b->oom = 1;
                return KPT_E_LIMIT;
            }
            b->data = q;
        } else {
            b->data = xrealloc(old, n);
        }
        if (!old)
            b->data[0] = '\0';
        b->alloc = n;
    }
    return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
    if (buf_grow(b, n) < 0)
        return KPT_E_LIMIT;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    if (b->alloc)
        b->data[b->len] = '\0';
    return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int
buf_addc(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        KPT_BUG("vsnprintf failed for '%s'", fmt);
    if (buf_grow(b, (size_t)n) < 0)
        return KPT_E_LIMIT;
    if (vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap) != n)
        KPT_BUG("vsnprintf changed its mind for '%s'", fmt);
    b->len += (size_t)n;
    return 0;
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return ret;
}
