/*
 * diag.c - the one way a message reaches standard error (see diag.h).
 */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/esc.h"
#include "util/progress.h"

/* the progress line a message must clear first: the driver's, handed over explicitly (one
 * stderr, one line on it) */
static struct progress *line;

void
diag_set_progress(struct progress *p)
{
    line = p;
}

static void
emit(struct buf *b)
{
    if (line)
        progress_clear(line);
    buf_addc(b, '\n');
    fwrite(b->data, 1, b->len, stderr);
    fflush(stderr);
}

void
diag_report(const char *subject, const char *why)
{
    struct buf b = BUF_INIT;

    buf_adds(&b, DIAG_PREFIX);
    esc_term(&b, subject ? subject : "", subject ? strlen(subject) : 0, DIAG_SUBJECT_MAX);
    buf_adds(&b, ": ");
    esc_term(&b, why ? why : "", why ? strlen(why) : 0, DIAG_TEXT_MAX);
    emit(&b);
    buf_release(&b);
}

void
diag_printf(const char *fmt, ...)
{
    struct buf m = BUF_INIT, b = BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    buf_vaddf(&m, fmt, ap);
    va_end(ap);
    buf_adds(&b, DIAG_PREFIX);
    esc_term(&b, m.data, m.len, DIAG_TEXT_MAX + DIAG_SUBJECT_MAX);
    emit(&b);
    buf_release(&m);
    buf_release(&b);
}

void
diag_warn(const char *msg)
{
    diag_printf("%s", msg ? msg : "");
}

void
diag_lines(const char *text)
{
    const char *nl;

    while (text && *text) {
        nl = strchr(text, '\n');
        diag_printf("%.*s", nl ? (int)(nl - text) : (int)strlen(text), text);
        text = nl ? nl + 1 : NULL;
    }
}
