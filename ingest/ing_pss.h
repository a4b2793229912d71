/*
 * ing_pss.h - the processed stackshot reader's state, shared by its two files (ing_pss.c:
 * processes, threads, frames; ing_pss_img.c: the line helpers and the kernel images);
 * private to ingest/.
 */
#ifndef KPT_ING_PSS_H
#define KPT_ING_PSS_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/ing_jr.h"
#include "model/model.h"
#include "util/hindex.h"

#define PSS_NAME_MAX 256  /* bytes of a name kept (process, thread, frame, bundle id) */
#define PSS_REMAP_MAX 128 /* a process's kernel images its frames' names are matched with */

/* one kernel frame of the path being read */
struct kf {
    uint32_t img;
    uint64_t off, symoff;
    const char *sym;
};

struct rd {
    struct kpt_stackshot *ss;
    struct arena *a;
    struct vec procs, images, threads;
    struct hindex by_uuid, by_name;
    struct kpt_ss_proc *p; /* the process being read (in procs), or NULL */
    struct vec pimg;       /* its Binary Images' kernel images (indices) */
    uint8_t kernel_uuid[16];
    int has_kernel_uuid;
    /* the thread being read */
    int in_thread, path_done;
    struct kpt_ss_thread t;
    long last_col;
    struct kf ring[KPT_MAX_SS_FRAMES];
    size_t nk;           /* kernel frames seen on the path (ring index nk % MAX) */
    unsigned leaf_state; /* KPT_TH_RUN / KPT_TH_SUSP from the path's annotations */
    int runnable;        /* "(runnable)" rather than "(running)" */
};

/* helpers over a line [s, e) (ing_pss_img.c) */
const char *pss_find(const char *s, const char *e, const char *w);
int pss_starts(const char *s, const char *e, const char *w);
/* a copy of [s, e), blanks trimmed, at most PSS_NAME_MAX bytes, control bytes as '?' */
const char *pss_name_dup(struct arena *a, const char *s, const char *e);

/* the kernel images (ing_pss_img.c): pss_image() - the image with this UUID (uuid != NULL)
 * or, without one, this name, added at load when new (*added); UINT32_MAX past the limit.
 * pss_uuid_in() - "<UUID>" in [s, e): 0 or KPT_E_PARSE. pss_image_line() - a "Binary Images:" line.
 * pss_remap() - the process's frames placed by a module name moved to its UUID image. */
uint32_t pss_image(struct rd *r, const uint8_t *uuid, const char *name, uint64_t load, int *added);
int pss_uuid_in(const char *s, const char *e, uint8_t out[16]);
void pss_image_line(struct rd *r, const char *s, const char *e);
void pss_remap(struct rd *r);

#endif
