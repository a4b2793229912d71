/*
 * ing_pss.c - a processed stackshot in text (docs/PROCESSED-STACKSHOTS.md), the body of an
 * Intel Mac's macOSProcessedStackshotData once base64-decoded, read into the same stackshot
 * model the .ips reader fills (ing_ss.c), so that the hang walk (ing_hang.c) is the same.
 *
 * Per "Process:" block: its threads ("Thread 0xID ..."), each thread's call tree indented by
 * depth, whose first path from the root (the heaviest: the format lists heavier children
 * first) is the thread's stack, kernel frames ('*') at its deep end; per process "Binary
 * Images:", whose '*' lines are the kernel's and kexts' images (deduplicated by UUID over
 * the whole stackshot); annotations "(blocked by ... waiting for NAME [PID] thread 0xT)"
 * and "(... owned by ...)" as wait edges, "(running)", "(runnable)" as states.
 *
 * Bounded like the .ips reader (model.h limits, counted in ss->dropped); any bytes read.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "ingest/ing_pss.h"
#include "util/cursor.h"
#include "util/err.h"
#include "util/xalloc.h"

/* ---- threads ---- */

static int
thread_cmp(const void *x, const void *y)
{
    const struct kpt_ss_thread *a = x, *b = y;

    return a->id < b->id ? -1 : a->id > b->id;
}

static int
proc_cmp(const void *x, const void *y)
{
    const struct kpt_ss_proc *a = x, *b = y;

    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* the thread read so far, into the process: its kernel frames top first, its state */
static void
thread_end(struct rd *r)
{
    struct kpt_ss_thread *t = &r->t;
    size_t n = r->nk > KPT_MAX_SS_FRAMES ? KPT_MAX_SS_FRAMES : r->nk, i;
    int waiting;

    if (!r->in_thread)
        return;
    r->in_thread = 0;
    if (r->nk > KPT_MAX_SS_FRAMES)
        r->ss->dropped += r->nk - KPT_MAX_SS_FRAMES;
    if (r->ss->nframes + n > KPT_MAX_SS_ALL_FRAMES) {
        r->ss->dropped += n;
        n = 0;
    }
    r->ss->nframes += n;
    t->nframes = n;
    if (n) {
        t->fimage = arena_alloc(r->a, n * sizeof(*t->fimage));
        t->foff = arena_alloc(r->a, n * sizeof(*t->foff));
        t->fsym = arena_alloc(r->a, n * sizeof(*t->fsym));
        t->fsymoff = arena_alloc(r->a, n * sizeof(*t->fsymoff));
    }
    for (i = 0; i < n; i++) {
        const struct kf *k = &r->ring[(r->nk - 1 - i) % KPT_MAX_SS_FRAMES]; /* the leaf first */

        t->fimage[i] = k->img;
        t->foff[i] = k->off;
        t->fsym[i] = k->sym;
        t->fsymoff[i] = k->symoff;
    }
    /* the text says running or runnable; any other thread whose stack ends in the kernel
     * waits: with a stack of its own, in the middle of kernel work (read as uninterruptible,
     * which the text does not print), or parked on the one continuation frame it shows */
    waiting = !(r->leaf_state & KPT_TH_RUN) && n;
    t->state = r->leaf_state;
    if (waiting) {
        t->state |= KPT_TH_WAIT | (n > 1 ? KPT_TH_UNINT : 0);
        t->continuation = t->cont_frame = n == 1;
    }
    t->state_text = (t->state & KPT_TH_RUN)
                        ? (r->runnable ? "TH_RUN (runnable)" : "TH_RUN (running)")
                    : !waiting ? NULL
                    : n > 1    ? "TH_WAIT,TH_UNINT (read from a kernel stack of its own)"
                               : "TH_WAIT (parked on a continuation)";
    if (r->ss->nthreads >= KPT_MAX_SS_THREADS) {
        r->ss->dropped++;
        return;
    }
    r->ss->nthreads++;
    *(struct kpt_ss_thread *)jr_vec_push(r->a, &r->threads) = *t;
}

/* 1 when a frame's module name names image img: its bundle id, or that id's last part */
static void
proc_end(struct rd *r)
{
    thread_end(r);
    if (!r->p)
        return;
    pss_remap(r);
    memset(&r->pimg, 0, sizeof(r->pimg));
    r->pimg.size = sizeof(uint32_t);
    r->p->threads = r->threads.v;
    r->p->nthreads = r->threads.n;
    if (r->p->nthreads > 1)
        qsort(r->p->threads, r->p->nthreads, sizeof(*r->p->threads), thread_cmp);
    r->p = NULL;
}

/* "Process:   NAME [PID]" (the last bracketed number is the pid) */
static void
proc_line(struct rd *r, const char *s, const char *e)
{
    const char *p = s + 8, *lb = NULL, *q;
    uint64_t pid = 0;

    proc_end(r);
    for (q = p; (q = pss_find(q, e, " [")); q += 2) {
        const char *d = q + 2;
        uint64_t v;

        if (!cur_dec(&d, e, &v, UINT64_MAX) && d < e && *d == ']' && v <= INT64_MAX) {
            lb = q;
            pid = v;
        }
    }
    if (!lb)
        return; /* no pid: its threads are not read */
    if (r->procs.n >= KPT_MAX_SS_PROCS) {
        r->ss->dropped++;
        return;
    }
    r->p = jr_vec_push(r->a, &r->procs);
    memset(r->p, 0, sizeof(*r->p));
    r->p->pid = (int64_t)pid;
    r->p->name = pss_name_dup(r->a, p, lb);
    memset(&r->threads, 0, sizeof(r->threads));
    r->threads.size = sizeof(struct kpt_ss_thread);
}

/* "  Thread 0xID    [DispatchQueue "Q"(N)]    [Thread name "NAME"]    N samples ..." */
static void
thread_line(struct rd *r, const char *s, const char *e)
{
    const char *p = s + 9, *q;
    uint64_t id;

    thread_end(r);
    if (!r->p || cur_hex(&p, e, &id, UINT64_MAX))
        return;
    memset(&r->t, 0, sizeof(r->t));
    r->t.id = id;
    if ((q = pss_find(p, e, "Thread name \""))) {
        const char *end = pss_find(q + 13, e, "\"");

        r->t.name = pss_name_dup(r->a, q + 13, end ? end : e);
    }
    r->in_thread = 1;
    r->path_done = 0;
    r->last_col = -1;
    r->nk = 0;
    r->leaf_state = 0;
    r->runnable = 0;
}

/* the ')' that closes the '(' at s (names may hold parentheses), or e */
static const char *
close_paren(const char *s, const char *e)
{
    int depth = 0;

    for (; s < e; s++)
        if (*s == '(')
            depth++;
        else if (*s == ')' && --depth == 0)
            return s;
    return e;
}

/* the wait an annotation names: "waiting for NAME [PID] thread 0xT", "owned by ...";
 * "waiting for this thread" and unreadable ones name none */
static void
annotation(struct rd *r, const char *s, const char *e)
{
    const char *w = pss_find(s, e, "waiting for "), *p, *lb = NULL;
    uint64_t pid = 0, tid;
    int has_pid = 0;

    if (!w)
        w = pss_find(s, e, "owned by ");
    if (!w)
        return;
    w += w[0] == 'w' ? 12 : 9;
    for (p = w; (p = pss_find(p, e, " [")); p += 2) {
        const char *d = p + 2;

        if (!cur_dec(&d, e, &pid, UINT64_MAX) && d < e && *d == ']') {
            lb = d + 1;
            has_pid = 1;
            break;
        }
    }
    if ((p = pss_find(lb ? lb : w, e, " thread 0x")))
        p += 10;
    if (p && !cur_hex(&p, e, &tid, UINT64_MAX)) {
        r->t.wait_kind = 1;
        r->t.wait_on = tid;
    } else if (has_pid && pid <= INT64_MAX) {
        r->t.wait_kind = 2;
        r->t.wait_on = pid;
    } else {
        return;
    }
    r->t.waits = arena_printf(r->a, " %s", pss_name_dup(r->a, s, e));
}

/* the module group "(MODULE + DEC)" just before " [0xADDR]": the frame's image and offset */
static int
frame_place(struct rd *r, const char *s, const char *e, uint32_t *img, uint64_t *off,
            const char **grp)
{
    const char *br = pss_find(s, e, ") [0x"), *lp, *plus, *p;
    uint64_t addr;
    uint8_t u[16];
    int added;

    if (!br)
        return KPT_E_PARSE;
    for (lp = br; lp > s && *lp != '('; lp--)
        ;
    if (*lp != '(' || !(plus = pss_find(lp, br, " + ")))
        return KPT_E_PARSE;
    p = plus + 3;
    if (cur_dec(&p, br, off, UINT64_MAX) || p != br)
        return KPT_E_PARSE;
    p = br + 5;
    if (cur_hex(&p, e, &addr, UINT64_MAX) || p >= e || *p != ']')
        return KPT_E_PARSE;
    *grp = lp;
    if (!pss_uuid_in(lp, plus, u)) {
        *img = pss_image(r, u, NULL, addr - *off, &added);
    } else {
        const char *nm = pss_name_dup(r->a, lp + 1, plus);

        if ((!strcmp(nm, "kernel") || !strcmp(nm, "mach_kernel")) && r->has_kernel_uuid)
            *img = pss_image(r, r->kernel_uuid, NULL, addr - *off, &added);
        else
            *img = pss_image(r, NULL, nm, addr - *off, &added);
    }
    return 0;
}

/* one line of a call tree: "<indent>[*]COUNT  SYMBOL + OFF (MODULE + OFF) [0xADDR] ..." */
static void
frame_line(struct rd *r, const char *s, const char *e, long col, int kernel)
{
    const char *p = s, *grp, *ann;
    uint32_t img;
    uint64_t off, v;

    if (r->path_done || col <= r->last_col) {
        r->path_done = 1; /* the first path from the root is the thread's stack */
        return;
    }
    r->last_col = col;
    if (cur_dec(&p, e, &v, UINT64_MAX))
        return;
    if (!kernel)
        r->nk = 0; /* the kernel frames are the deep end of the path: none above user code */
    for (ann = p; (ann = pss_find(ann, e, "(")); ann++) {
        if (pss_starts(ann, e, "(running)") || pss_starts(ann, e, "(runnable)")) {
            r->leaf_state |= KPT_TH_RUN;
            r->runnable = pss_starts(ann, e, "(runnable)");
        } else if (pss_starts(ann, e, "(suspended)"))
            r->leaf_state |= KPT_TH_SUSP;
        else if (pss_starts(ann, e, "(blocked by ")) {
            annotation(r, ann + 1, close_paren(ann, e));
            break; /* one a line: the rest of a hostile line is not read again and again */
        }
    }
    if (!kernel || frame_place(r, p, e, &img, &off, &grp))
        return;
    if (img == UINT32_MAX)
        return;
    {
        struct kf *k = &r->ring[r->nk % KPT_MAX_SS_FRAMES];
        const char *sym = cur_past_blank(p, grp), *plus = pss_find(sym, grp, " + ");
        const char *q = plus ? plus + 3 : NULL;

        k->img = img;
        k->off = off;
        k->sym = NULL;
        k->symoff = 0;
        if (plus && !pss_starts(sym, grp, "???") && !cur_dec(&q, grp, &v, UINT64_MAX)) {
            k->sym = pss_name_dup(r->a, sym, plus);
            k->symoff = v;
        }
        r->nk++;
    }
}

/* one line: what it starts decides what it is */
static void
line(struct rd *r, const char *s, const char *e, int *images)
{
    const char *p = cur_past_blank(s, e);
    long col = (long)(p - s);

    if (p == e) {
        *images = 0;
        thread_end(r);
        return;
    }
    if (pss_starts(s, e, "Process:")) {
        *images = 0;
        proc_line(r, s, e);
    } else if (pss_starts(p, e, "Binary Images:")) {
        thread_end(r);
        *images = 1;
    } else if (*images) {
        pss_image_line(r, s, e);
    } else if (pss_starts(p, e, "Thread 0x")) {
        thread_line(r, p, e);
    } else if (r->in_thread && (*p == '*' || (*p >= '0' && *p <= '9'))) {
        frame_line(r, p + (*p == '*'), e, col + (*p == '*'), *p == '*');
    }
}

/* kernel_task's "UUID:", the kernel's, read first: frames printed "(kernel + N)" lie in it,
 * in the processes listed before kernel_task too */
static void
kernel_uuid(struct rd *r, const char *s, const char *end)
{
    const char *nl, *e;
    int in_kernel_task = 0;

    for (; s < end; s = nl + 1) {
        nl = memchr(s, '\n', (size_t)(end - s));
        nl = nl ? nl : end;
        e = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (pss_starts(s, e, "Process:"))
            in_kernel_task = e - s >= 4 && !memcmp(e - 4, " [0]", 4);
        else if (in_kernel_task && pss_starts(s, e, "UUID:")) {
            const char *u = cur_past_blank(s + 5, e);

            r->has_kernel_uuid = !kpt_uuid_parse(u, (size_t)(e - u), r->kernel_uuid);
            return;
        }
    }
}

struct kpt_stackshot *
ing_pss_parse(const char *text, size_t len, struct arena *a)
{
    struct kpt_stackshot *ss = arena_alloc(a, sizeof(*ss));
    struct rd *r = xcalloc(1, sizeof(*r));
    const char *s = text, *end = text + len, *nl;
    int images = 0;

    memset(ss, 0, sizeof(*ss));
    r->ss = ss;
    r->a = a;
    r->procs.size = sizeof(struct kpt_ss_proc);
    r->images.size = sizeof(struct kpt_ss_image);
    r->pimg.size = sizeof(uint32_t);
    kernel_uuid(r, text, end);
    for (; s < end; s = nl + 1) {
        const char *e;

        nl = memchr(s, '\n', (size_t)(end - s));
        nl = nl ? nl : end;
        e = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
        line(r, s, e, &images);
    }
    proc_end(r);
    ss->procs = r->procs.v;
    ss->nprocs = r->procs.n;
    if (ss->nprocs > 1)
        qsort(ss->procs, ss->nprocs, sizeof(*ss->procs), proc_cmp);
    ss->images = r->images.v;
    ss->nimages = r->images.n;
    hindex_release(&r->by_uuid);
    hindex_release(&r->by_name);
    free(r);
    return ss;
}
