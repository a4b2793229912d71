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
