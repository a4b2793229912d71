/*
 * fuzz_stackshot.c - the stackshot reader and the choice of the hung thread on any bytes:
 * bounded counts, every frame's image index checked before use, every hang with its reason,
 * and a whole report with such a body refused only with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "fuzz/fuzz_hang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(65536);
    struct kpt_report r;
    struct kpt_stackshot *ss = ing_ss_parse((const char *)data, size, a);
    size_t i;

    if (ss->nprocs > KPT_MAX_SS_PROCS || ss->nthreads > KPT_MAX_SS_THREADS ||
        ss->nimages > KPT_MAX_SS_IMAGES)
        abort();
    for (i = 0; i < ss->nprocs; i++) {
        size_t t;

        for (t = 0; t < ss->procs[i].nthreads; t++)
            if (ss->procs[i].threads[t].nframes > KPT_MAX_SS_FRAMES)
                abort();
        if (ss->procs[i].nturnstile > KPT_MAX_SS_INFO || ss->procs[i].nwait > KPT_MAX_SS_INFO)
            abort();
    }
    fuzz_check_hang(a, ss);
    {
        /* the same bytes as the body of a watchdog .ips */
        static const char head[] =
            "{\"bug_type\":\"210\"}\n{\"panicString\":\"panic(cpu 0 caller 0x1): userspace "
            "watchdog timeout: no successful checkins from svc in 120 seconds\",";
        struct kpt_limits lim;
        char *d = malloc(sizeof(head) + size);

        memcpy(d, head, sizeof(head) - 1);
        memcpy(d + sizeof(head) - 1, data + (size && data[0] == '{'),
               size - (size && data[0] == '{'));
        kpt_limits_default(&lim);
        kpt_report_init(&r, a, "fuzz");
        /* never rejected for its stackshot (a panicString of its own may replace ours) */
        if (ing_parse(d, sizeof(head) - 1 + size - (size && data[0] == '{'), &lim, a, &r) < 0 &&
            !r.error)
            abort();
        if (r.hang && !r.hang->why)
            abort();
        free(d);
    }
    arena_free(a);
    return 0;
}
