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
#include "ingest/ing_jr.h"
#include "util/hindex.h"
#include "util/xalloc.h"

#define PSS_NAME_MAX 256   /* bytes of a name kept (process, thread, frame, bundle id) */
#define PSS_REMAP_MAX 128  /* a process's kernel images its frames' names are matched with */

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

/* ---- small text helpers over a line [s, e) ---- */

static const char *
find(const char *s, const char *e, const char *w)
{
    size_t n = strlen(w);

    for (; s + n <= e; s++)
        if (*s == *w && !memcmp(s, w, n))
            return s;
    return NULL;
}

static int
starts(const char *s, const char *e, const char *w)
{
    size_t n = strlen(w);

    return (size_t)(e - s) >= n && !memcmp(s, w, n);
}

static const char *
skip_blank(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* digits at *pp in base 10 or 16 (at most 19 / 16 of them); 0 or -1 */
static int
number(const char **pp, const char *e, int base, uint64_t *v)
{
    const char *p = *pp;
    size_t n = 0;

    *v = 0;
    for (; p < e && n < (base == 16 ? 16u : 19u); p++, n++) {
        int d = *p >= '0' && *p <= '9' ? *p - '0'
              : base == 16 && *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
              : base == 16 && *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;

        if (d < 0)
            break;
        *v = *v * (uint64_t)base + (uint64_t)d;
    }
    if (!n || (p < e && ((*p >= '0' && *p <= '9') || (base == 16 && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')))))
        return -1;
    *pp = p;
    return 0;
}

/* a copy of [s, e) with blanks trimmed, at most PSS_NAME_MAX bytes, control bytes as '?' */
static const char *
name_dup(struct arena *a, const char *s, const char *e)
{
    char *c;
    size_t i, n;

    s = skip_blank(s, e);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    n = (size_t)(e - s) > PSS_NAME_MAX ? PSS_NAME_MAX : (size_t)(e - s);
    c = arena_strndup(a, s, n);
    for (i = 0; i < n; i++)
        if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
            c[i] = '?';
    return c;
}

/* ---- images ---- */

static int
uuid_eq(const void *ctx, size_t i)
{
    const struct rd *r = ((const void *const *)ctx)[0];
    const uint8_t *u = ((const void *const *)ctx)[1];
    const struct kpt_ss_image *img = (const struct kpt_ss_image *)r->images.v + i;

    return img->has_uuid && !memcmp(img->uuid, u, 16);
}

static int
name_eq(const void *ctx, size_t i)
{
    const struct rd *r = ((const void *const *)ctx)[0];
    const char *n = ((const void *const *)ctx)[1];
    const struct kpt_ss_image *img = (const struct kpt_ss_image *)r->images.v + i;

    return !img->has_uuid && img->bundle && !strcmp(img->bundle, n);
}

static uint64_t
str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return hindex_mix(h);
}

/* the image with this UUID (uuid != NULL) or, without one, this name; added (at load) when
 * new. UINT32_MAX past the limit. */
static uint32_t
image(struct rd *r, const uint8_t *uuid, const char *name, uint64_t load, int *added)
{
    const void *ctx[2] = { r, uuid ? (const void *)uuid : (const void *)name };
    uint64_t h;
    size_t i;
    struct kpt_ss_image *img;

    *added = 0;
    if (uuid) {
        memcpy(&h, uuid, 8);
        h = hindex_mix(h ^ uuid[15]);
        i = hindex_find(&r->by_uuid, h, uuid_eq, ctx);
    } else {
        h = str_hash(name);
        i = hindex_find(&r->by_name, h, name_eq, ctx);
    }
    if (i != SIZE_MAX)
        return (uint32_t)i;
    if (r->images.n >= KPT_MAX_SS_IMAGES) {
        r->ss->dropped++;
        return UINT32_MAX;
    }
    img = jr_vec_push(r->a, &r->images);
    memset(img, 0, sizeof(*img));
    img->kind = 'K';
    img->text_off = 1;
    img->load = load;
    if (uuid) {
        static const uint8_t zero[16];

        memcpy(img->uuid, uuid, 16);
        img->has_uuid = memcmp(uuid, zero, 16) != 0;
        img->label = img->has_uuid ? kpt_uuid_text(r->a, uuid) : NULL;
    } else {
        img->bundle = img->label = name;
    }
    hindex_add(uuid ? &r->by_uuid : &r->by_name, h, r->images.n - 1);
    *added = 1;
    return (uint32_t)(r->images.n - 1);
}

/* "<UUID>" at [s, e): 0 with out set, or -1 */
static int
uuid_in(const char *s, const char *e, uint8_t out[16])
{
    const char *lt = find(s, e, "<"), *gt;

    if (!lt || !(gt = find(lt, e, ">")))
        return -1;
    return kpt_uuid_parse(lt + 1, (size_t)(gt - lt - 1), out);
}

/* "   *0xSTART -  0xEND|???  NAME (VERSION)  <UUID>  PATH": a kernel image ('*' only) */
static void
image_line(struct rd *r, const char *s, const char *e)
{
    uint8_t u[16];
    uint64_t start;
    const char *p = skip_blank(s, e), *lt, *nm;
    uint32_t i;
    int added;

    if (p >= e || *p != '*' || !starts(p + 1, e, "0x"))
        return; /* a user-space image: no kernel frame lies in it */
    p += 3;
    if (number(&p, e, 16, &start) || uuid_in(p, e, u) || !(lt = find(p, e, "<")))
        return;
    /* the name: the first word after the end address ("???" when unknown) */
    if ((nm = find(p, lt, " - ")))
        p = skip_blank(nm + 3, lt);
    while (p < lt && *p != ' ' && *p != '\t')
        p++;
    p = skip_blank(p, lt);
    for (nm = p; p < lt && *p != ' ' && *p != '\t'; p++)
        ;
    if ((i = image(r, u, NULL, start, &added)) == UINT32_MAX)
        return;
    if (r->pimg.n < PSS_REMAP_MAX)
        *(uint32_t *)jr_vec_push(r->a, &r->pimg) = i;
    if (p > nm && !starts(nm, p, "???")) {
        struct kpt_ss_image *img = (struct kpt_ss_image *)r->images.v + i;

        img->bundle = img->label = name_dup(r->a, nm, p);
    }
    if (!added)
        ((struct kpt_ss_image *)r->images.v)[i].load = start;
}

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
    t->state_text = (t->state & KPT_TH_RUN) ? (r->runnable ? "TH_RUN (runnable)" : "TH_RUN (running)")
                  : !waiting ? NULL
                  : n > 1 ? "TH_WAIT,TH_UNINT (read from a kernel stack of its own)"
                  : "TH_WAIT (parked on a continuation)";
    if (r->ss->nthreads >= KPT_MAX_SS_THREADS) {
        r->ss->dropped++;
        return;
    }
    r->ss->nthreads++;
    *(struct kpt_ss_thread *)jr_vec_push(r->a, &r->threads) = *t;
}

/* 1 when a frame's module name names image img: its bundle id, or that id's last part */
static int
names(const struct kpt_ss_image *img, const char *n)
{
    const char *dot;

    if (!img->has_uuid || !img->bundle)
        return 0;
    dot = strrchr(img->bundle, '.');
    return !strcmp(img->bundle, n) || (dot && !strcmp(dot + 1, n));
}

/* frames placed by a module's name, before the process's Binary Images (listed after its
 * threads) said which UUID that name is: moved to that image */
static void
remap(struct rd *r)
{
    struct kpt_ss_image *im = r->images.v;
    const uint32_t *pi = r->pimg.v;
    size_t t, f, k;

    for (t = 0; t < r->threads.n && r->pimg.n; t++) {
        struct kpt_ss_thread *th = (struct kpt_ss_thread *)r->threads.v + t;

        for (f = 0; f < th->nframes; f++) {
            const struct kpt_ss_image *img = &im[th->fimage[f]];

            if (img->has_uuid || !img->bundle)
                continue;
            for (k = 0; k < r->pimg.n; k++)
                if (names(&im[pi[k]], img->bundle)) {
                    th->fimage[f] = pi[k];
                    break;
                }
        }
    }
}

static void
proc_end(struct rd *r)
{
    thread_end(r);
    if (!r->p)
        return;
    remap(r);
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
    for (q = p; (q = find(q, e, " [")); q += 2) {
        const char *d = q + 2;
        uint64_t v;

        if (!number(&d, e, 10, &v) && d < e && *d == ']' && v <= INT64_MAX) {
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
    r->p->name = name_dup(r->a, p, lb);
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
    if (!r->p || number(&p, e, 16, &id))
        return;
    memset(&r->t, 0, sizeof(r->t));
    r->t.id = id;
    if ((q = find(p, e, "Thread name \""))) {
        const char *end = find(q + 13, e, "\"");

        r->t.name = name_dup(r->a, q + 13, end ? end : e);
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
    const char *w = find(s, e, "waiting for "), *p, *lb = NULL;
    uint64_t pid = 0, tid;
    int has_pid = 0;

    if (!w)
        w = find(s, e, "owned by ");
    if (!w)
        return;
    w += w[0] == 'w' ? 12 : 9;
    for (p = w; (p = find(p, e, " [")); p += 2) {
        const char *d = p + 2;

        if (!number(&d, e, 10, &pid) && d < e && *d == ']') {
            lb = d + 1;
            has_pid = 1;
            break;
        }
    }
    if ((p = find(lb ? lb : w, e, " thread 0x")))
        p += 10;
    if (p && !number(&p, e, 16, &tid)) {
        r->t.wait_kind = 1;
        r->t.wait_on = tid;
    } else if (has_pid && pid <= INT64_MAX) {
        r->t.wait_kind = 2;
        r->t.wait_on = pid;
    } else {
        return;
    }
    r->t.waits = arena_printf(r->a, " %s", name_dup(r->a, s, e));
}

/* the module group "(MODULE + DEC)" just before " [0xADDR]": the frame's image and offset */
static int
frame_place(struct rd *r, const char *s, const char *e, uint32_t *img, uint64_t *off, const char **grp)
{
    const char *br = find(s, e, ") [0x"), *lp, *plus, *p;
    uint64_t addr;
    uint8_t u[16];
    int added;

    if (!br)
        return -1;
    for (lp = br; lp > s && *lp != '('; lp--)
        ;
    if (*lp != '(' || !(plus = find(lp, br, " + ")))
        return -1;
    p = plus + 3;
    if (number(&p, br, 10, off) || p != br)
        return -1;
    p = br + 5;
    if (number(&p, e, 16, &addr) || p >= e || *p != ']')
        return -1;
    *grp = lp;
    if (!uuid_in(lp, plus, u)) {
        *img = image(r, u, NULL, addr - *off, &added);
    } else {
        const char *nm = name_dup(r->a, lp + 1, plus);

        if ((!strcmp(nm, "kernel") || !strcmp(nm, "mach_kernel")) && r->has_kernel_uuid)
            *img = image(r, r->kernel_uuid, NULL, addr - *off, &added);
        else
            *img = image(r, NULL, nm, addr - *off, &added);
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
    if (number(&p, e, 10, &v))
        return;
    if (!kernel)
        r->nk = 0; /* the kernel frames are the deep end of the path: none above user code */
    for (ann = p; (ann = find(ann, e, "(")); ann++) {
        if (starts(ann, e, "(running)") || starts(ann, e, "(runnable)")) {
            r->leaf_state |= KPT_TH_RUN;
            r->runnable = starts(ann, e, "(runnable)");
        } else if (starts(ann, e, "(suspended)"))
            r->leaf_state |= KPT_TH_SUSP;
        else if (starts(ann, e, "(blocked by "))
            annotation(r, ann + 1, close_paren(ann, e));
    }
    if (!kernel || frame_place(r, p, e, &img, &off, &grp))
        return;
    if (img == UINT32_MAX)
        return;
    {
        struct kf *k = &r->ring[r->nk % KPT_MAX_SS_FRAMES];
        const char *sym = skip_blank(p, grp), *plus = find(sym, grp, " + ");
        const char *q = plus ? plus + 3 : NULL;

        k->img = img;
        k->off = off;
        k->sym = NULL;
        k->symoff = 0;
        if (plus && !starts(sym, grp, "???") && !number(&q, grp, 10, &v)) {
            k->sym = name_dup(r->a, sym, plus);
            k->symoff = v;
        }
        r->nk++;
    }
}

/* one line: what it starts decides what it is */
static void
line(struct rd *r, const char *s, const char *e, int *images)
{
    const char *p = skip_blank(s, e);
    long col = (long)(p - s);

    if (p == e) {
        *images = 0;
        thread_end(r);
        return;
    }
    if (starts(s, e, "Process:")) {
        *images = 0;
        proc_line(r, s, e);
    } else if (starts(p, e, "Binary Images:")) {
        thread_end(r);
        *images = 1;
    } else if (*images) {
        image_line(r, s, e);
    } else if (starts(p, e, "Thread 0x")) {
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
        if (starts(s, e, "Process:"))
            in_kernel_task = e - s >= 4 && !memcmp(e - 4, " [0]", 4);
        else if (in_kernel_task && starts(s, e, "UUID:")) {
            const char *u = skip_blank(s + 5, e);

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
