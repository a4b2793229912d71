/*
 * sym_warn.c - what symbolication tells the user as it goes, through the kpt_warn_fn the
 * driver handed over (sym_ctx_new(), sym_run()); a file of its own so that every other file
 * of the stage may call it (no call loop).
 */
#include <stdarg.h>
#include <string.h>

#include "symbolicate/sym_int.h"
#include "util/buf.h"

void
sym_warn(const struct sym_ctx *s, const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;

    if (!s->warn)
        return;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    s->warn(b.data);
    buf_release(&b);
}

void
sym_warn_catalogue(struct sym_ctx *s)
{
    const char *p = s->cat.log.data + s->cat_logged, *end = s->cat.log.data + s->cat.log.len;

    while (s->warn && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

        sym_warn(s, "%.*s", (int)n, p);
        p += n + (nl != NULL);
    }
    s->cat_logged = s->cat.log.len;
}
