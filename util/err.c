#include <stdarg.h>

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
