/*
 * err.c - the error vocabulary and its one carrier (see err.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

const char *
kpt_strerror(int err)
{
    switch ((enum kpt_err)err) {
    case KPT_OK: return "success";
    case KPT_E_PARSE: return "parse error";
    case KPT_E_LIMIT: return "limit exceeded";
    case KPT_E_IO: return "i/o error";
    case KPT_E_FORMAT: return "not a panic report";
    case KPT_E_CHILD: return "child process failed";
    case KPT_E_TIMEOUT: return "timeout";
    }
    return "unknown error";
}

int
kpt_fail(struct buf *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        va_start(ap, fmt);
        (void)buf_vaddf(err, fmt, ap);
        va_end(ap);
    }
    return code;
}

int
kpt_fail_line(struct buf *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        if (err->len)
            (void)buf_addc(err, '\n');
        va_start(ap, fmt);
        (void)buf_vaddf(err, fmt, ap);
        va_end(ap);
    }
    return code;
}

void
kpt_quote(struct buf *err, const char *s)
{
    size_t n = strlen(s), k = n;

    if (!err)
        return;
    if (n > KPT_QUOTE_MAX) {
        k = KPT_QUOTE_MAX;
        while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80) /* s[k] continues a character */
            k--;
    }
    buf_add(err, s, k);
    if (k < n)
        buf_adds(err, "...");
}

const char *
kpt_errno_text(int e, char *b, size_t n)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(e, b, n); /* GNU's: the text, in b or static */
#else
    if (strerror_r(e, b, n) != 0)
        snprintf(b, n, "error %d", e);
    return b;
#endif
}
