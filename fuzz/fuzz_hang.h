/*
 * fuzz_hang.h - the invariant both stackshot readers' targets check (fuzz_stackshot.c for
 * .ips bodies, fuzz_pss.c for processed stackshots): the hung thread chosen in any
 * stackshot, with the first process's name as the starved party and a name no process has,
 * always has its reason, and every frame of its site is its image's load plus its offset.
 */
#ifndef KPT_FUZZ_HANG_H
#define KPT_FUZZ_HANG_H

#include <stdlib.h>

#include "ingest/ing.h"
#include "ingest/ing_int.h"

static inline void
fuzz_check_hang(struct arena *a, struct kpt_stackshot *ss)
{
    struct kpt_report r;
    size_t i;

    kpt_report_init(&r, a, "fuzz");
    r.ss = ss;
    ing_hang_choose(a, &r, ss->nprocs && ss->procs[0].name ? ss->procs[0].name : "svc",
                    "kernel_task");
    if (!r.hang || !r.hang->why)
        abort();
    for (i = 0; i < r.hang->nframes; i++)
        if (!r.hang->frames[i].image ||
            r.hang->frames[i].addr != r.hang->frames[i].image->load + r.hang->frames[i].img_off)
            abort();
}

#endif
