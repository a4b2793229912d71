/*
 * progress.h - one line of progress on a terminal's stderr: a spinner with a count while
 * the total is unknown, then a bar with the percentage, files a second and the time left.
 * Redrawn at most ten times a second; progress_clear() erases it, and every diagnostic line
 * goes after a clear (the driver hands its progress to diag_set_progress(), util/diag.h), so
 * the two never share a line. Off: every call does nothing.
 */
#ifndef KPT_PROGRESS_H
#define KPT_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
    FILE *f; /* NULL: off */
    const char *what;
    size_t total; /* 0: unknown */
    uint64_t t0, last;
    unsigned spin;
    int shown;
};

void progress_init(struct progress *p, FILE *f); /* f: a terminal, or NULL */
/* progress_start() - a new phase ("reading", "signing"); total 0 when unknown */
void progress_start(struct progress *p, const char *what, size_t total);
void progress_tick(struct progress *p, size_t done);
void progress_clear(struct progress *p);

#endif
