/*
 * progress.c - one line of progress on a terminal (see progress.h).
 */
#include "util/progress.h"

#include "util/clock.h"
#include "util/diag.h"

void
progress_init(struct progress *p, FILE *f)
{
    p->f = f;
    p->what = "";
    p->total = 0;
    p->t0 = p->last = 0;
    p->spin = 0;
    p->shown = 0;
}

void
progress_start(struct progress *p, const char *what, size_t total)
{
    if (!p->f)
        return;
    progress_clear(p);
    p->what = what;
    p->total = total;
    p->t0 = clock_now_ms();
    p->last = 0;
}

void
progress_tick(struct progress *p, size_t done)
{
    static const char spinner[] = "|/-\\";
    uint64_t t;

    if (!p->f || ((t = clock_now_ms()) - p->last < 100 && p->last))
        return;
    p->last = t;
    if (!p->total || done > p->total) {
        fprintf(p->f, "\r\033[K" DIAG_PREFIX "%s %c %zu files", p->what, spinner[p->spin++ % 4],
                done);
    } else {
        double el = (double)(t - p->t0) / 1000.0, rate = el > 0 ? (double)done / el : 0;
        size_t pct = done * 100 / p->total, i, fill = pct / 5;
        char bar[21];

        for (i = 0; i < 20; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[20] = '\0';
        fprintf(p->f, "\r\033[K" DIAG_PREFIX "%s [%s] %3zu%% %zu/%zu, %.0f files/s", p->what, bar,
                pct, done, p->total, rate);
        if (rate > 0 && done < p->total) {
            unsigned long left = (unsigned long)((double)(p->total - done) / rate + 0.5);

            fprintf(p->f, ", %lu:%02lu left", left / 60, left % 60);
        }
    }
    fflush(p->f);
    p->shown = 1;
}

void
progress_clear(struct progress *p)
{
    if (!p->f || !p->shown)
        return;
    fputs("\r\033[K", p->f);
    fflush(p->f);
    p->shown = 0;
}
