/*
 * ing_hang.c - which thread explains a hang (STACKSHOTS.md §4): the starved party the panic
 * string names, its process in the stackshot, the turnstile (and lock owner) chain from
 * there, else its main thread blocked uninterruptibly, else its deepest uninterruptible
 * kernel stack. Idle waits never explain a hang. Every step is written to hang->walk for
 * --explain; a choice that cannot be made leaves the thread unset and says why.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "util/buf.h"
#include "util/err.h"

/* ---- the starved party ---- */

/* the name at s: up to a blank, ';', ',', '(' or a quote; NULL when empty */
static const char *
name_at(struct arena *a, const char *s, const char *stops)
{
    size_t n = strcspn(s, stops);

    if (!n || n > KPT_MAX_MODULE_NAME)
        return NULL;
    return arena_strndup(a, s, n);
}

const char *
ing_hang_service(struct arena *a, const char *msg, const char **fallback)
{
    const char *p;

    *fallback = NULL;
    if (!msg)
        return NULL;
    if ((p = strstr(msg, "no successful checkins from ")))
        return name_at(a, p + 28, " \t\r\n;,(\"'");
    if ((p = strstr(msg, "no checkins from ")))
        return name_at(a, p + 17, " \t\r\n;,(\"'");
    if (!strncmp(msg, "busy timeout[", 13) && (p = strstr(msg, "): '"))) {
        /* an IOService's name: its registration waits in the kernel's own threads */
        *fallback = "kernel_task";
        return name_at(a, p + 4, "'\r\n");
    }
    if ((p = strstr(msg, "unresponsive dispatch queue"))) {
        const char *q;

        if ((q = strstr(p, " in process ")))
            return name_at(a, q + 12, " \t\r\n;,(\"'");
        if ((q = strstr(p, " process ")))
            return name_at(a, q + 9, " \t\r\n;,(\"'");
        if ((q = strstr(p, " of ")))
            return name_at(a, q + 4, " \t\r\n;,(\"'");
    }
    return NULL;
}

/* ---- the stackshot ---- */

struct choose {
    struct arena *a;
    const struct kpt_stackshot *ss;
    struct buf walk; /* lines separated by '\n' */
};

static void step(struct choose *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
step(struct choose *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    buf_vaddf(&c->walk, fmt, ap);
    va_end(ap);
    buf_addc(&c->walk, '\n');
}

static const struct kpt_ss_proc *
proc_named(const struct kpt_stackshot *ss, const char *want)
{
    const char *base = strrchr(want, '/'), *dot = strrchr(want, '.');
    size_t i, pass;

    for (pass = 0; pass < 3; pass++) {
        const char *w = pass == 0   ? want
                        : pass == 1 ? (base ? base + 1 : NULL)
                                    : (dot ? dot + 1 : NULL);

        if (!w || !*w)
            continue;
        for (i = 0; i < ss->nprocs; i++)
            if (ss->procs[i].name && !strcmp(ss->procs[i].name, w))
                return &ss->procs[i];
    }
    return NULL;
}

/* the stackshot keeps processes by pid and each one's threads by id */
static int
pid_cmp(const void *key, const void *e)
{
    int64_t k = *(const int64_t *)key, v = ((const struct kpt_ss_proc *)e)->pid;

    return k < v ? -1 : k > v;
}

static int
tid_cmp(const void *key, const void *e)
{
    uint64_t k = *(const uint64_t *)key, v = ((const struct kpt_ss_thread *)e)->id;

    return k < v ? -1 : k > v;
}

static const struct kpt_ss_proc *
proc_by_pid(const struct kpt_stackshot *ss, int64_t pid)
{
    return ss->nprocs ? bsearch(&pid, ss->procs, ss->nprocs, sizeof(*ss->procs), pid_cmp) : NULL;
}

static const struct kpt_ss_thread *
thread_in(const struct kpt_ss_proc *p, uint64_t id)
{
    return p->nthreads ? bsearch(&id, p->threads, p->nthreads, sizeof(*p->threads), tid_cmp) : NULL;
}

static const struct kpt_ss_thread *
thread_any(const struct kpt_stackshot *ss, uint64_t id, const struct kpt_ss_proc **owner)
{
    const struct kpt_ss_thread *t;
    size_t i;

    for (i = 0; i < ss->nprocs; i++)
        if ((t = thread_in(&ss->procs[i], id))) {
            *owner = &ss->procs[i];
            return t;
        }
    return NULL;
}

/* the info line of 'p' about thread 'id' ("thread ID: ..."), or NULL */
static const char *
info_of(const char *const *lines, size_t n, uint64_t id)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *s = lines[i], *e;
        uint64_t v = 0;

        if (strncmp(s, "thread ", 7))
            continue;
        for (e = s + 7; *e >= '0' && *e <= '9' && e - s < 27; e++)
            v = v * 10 + (uint64_t)(*e - '0');
        if (e > s + 7 && *e == ':' && v == id)
            return e + 1;
    }
    return NULL;
}

/* the number after 'key' in s; 0 or KPT_E_PARSE */
static int
number_after(const char *s, const char *key, uint64_t *v)
{
    const char *p = s ? strstr(s, key) : NULL;
    size_t n = 0;

    if (!p)
        return KPT_E_PARSE;
    p += strlen(key);
    *v = 0;
    while (p[n] >= '0' && p[n] <= '9' && n < 19) {
        *v = *v * 10 + (uint64_t)(p[n] - '0');
        n++;
    }
    return n ? 0 : KPT_E_PARSE;
}

/* a kernel frame that is only the placeholder of a running thread ([1, 0]); a malformed
 * pair (no image) is a frame, of no known module */
static int
placeholder(const struct kpt_ss_thread *t, size_t i)
{
    return !t->foff[i] && t->fimage[i] != UINT32_MAX;
}

/* the thread's kernel frames but the placeholder */
static size_t
real_frames(const struct kpt_ss_thread *t)
{
    size_t i, n = 0;

    for (i = 0; i < t->nframes; i++)
        n += !placeholder(t, i);
    return n;
}

/* an idle wait: parked on a continuation, or waiting for a message or for work */
static const char *
idle_why(const struct kpt_ss_proc *p, const struct kpt_ss_thread *t)
{
    const char *w = info_of(p->wait, p->nwait, t->id);

    if (!real_frames(t))
        return t->continuation ? "parked on a continuation" : "no kernel frames";
    if (t->cont_frame && !t->wait_kind)
        return "parked on a continuation"; /* a processed stackshot prints it as its frame */
    if (w && (strstr(w, "mach_msg receive") || strstr(w, "workq") || strstr(w, "kevent") ||
              strstr(w, "workloop")))
        return "waits for messages or work";
    return NULL;
}

static int
blocked_unint(const struct kpt_ss_thread *t)
{
    return (t->state & (KPT_TH_WAIT | KPT_TH_UNINT)) == (KPT_TH_WAIT | KPT_TH_UNINT);
}

/* running in the kernel with a stack to show (a processed stackshot shows a running
 * thread's; an .ips has none for it): a main thread there is as stuck as a blocked one */
static int
running_in_kernel(const struct kpt_ss_thread *t)
{
    return (t->state & KPT_TH_RUN) && real_frames(t) > 1;
}

/* rule 2: the main thread blocked uninterruptibly, else the deepest such kernel stack */
static const struct kpt_ss_thread *
pick(struct choose *c, const struct kpt_ss_proc *p, const char **why)
{
    const struct kpt_ss_thread *best = NULL, *t;
    const char *idle;
    size_t i;

    if (!p->nthreads) {
        step(c, "%s (pid %lld) has no threads in the stackshot", p->name ? p->name : "?",
             (long long)p->pid);
        return NULL;
    }
    t = &p->threads[0];
    if ((blocked_unint(t) || running_in_kernel(t)) && !(idle = idle_why(p, t))) {
        step(c, "main thread %llu: %s, %zu kernel frames: chosen", (unsigned long long)t->id,
             t->state_text ? t->state_text : "-", real_frames(t));
        *why = t->state & KPT_TH_RUN ? "main thread, running in the kernel"
                                     : "main thread, blocked uninterruptibly";
        return t;
    }
    step(c, "main thread %llu: %s%s%s: not blocked uninterruptibly in the kernel",
         (unsigned long long)t->id, t->state_text ? t->state_text : "no state",
         blocked_unint(t) ? ", " : "", blocked_unint(t) ? idle_why(p, t) : "");
    for (i = 1; i < p->nthreads; i++) {
        t = &p->threads[i];
        if (!blocked_unint(t))
            continue;
        if ((idle = idle_why(p, t))) {
            step(c, "thread %llu: %s, %s: idle", (unsigned long long)t->id, t->state_text, idle);
            continue;
        }
        step(c, "thread %llu: %s, %zu kernel frames", (unsigned long long)t->id, t->state_text,
             real_frames(t));
        if (!best || real_frames(t) > real_frames(best))
            best = t;
    }
    if (best) {
        step(c, "deepest uninterruptible kernel stack: thread %llu", (unsigned long long)best->id);
        *why = "deepest uninterruptible kernel stack";
    }
    return best;
}

/* where thread t of p waits on another thread or task: the turnstile line, else a lock
 * owner in its wait line. 1: a thread (*id), 2: a task (*id is its pid), 0: neither */
static int
blocked_on(const struct kpt_ss_proc *p, const struct kpt_ss_thread *t, uint64_t *id,
           const char **line)
{
    const char *s = info_of(p->turnstile, p->nturnstile, t->id);

    if (t->wait_kind) {
        /* a processed stackshot's annotation says it on the thread itself */
        *id = t->wait_on;
        *line = t->waits;
        return t->wait_kind;
    }
    *line = s;
    if (s && !number_after(s, "blocked on thread ", id))
        return 1;
    if (s && !number_after(s, "blocked on task pid ", id))
        return 2;
    s = info_of(p->wait, p->nwait, t->id);
    if (s && !number_after(s, "owned by thread ", id)) {
        *line = s;
        return 1;
    }
    return 0;
}

static void
set_thread(struct arena *a, struct kpt_hang *h, const struct kpt_report *r,
           const struct kpt_ss_proc *p, const struct kpt_ss_thread *t)
{
    const struct kpt_stackshot *ss = r->ss;
    static const struct kpt_ss_image no_image = { { 0 }, 0, '?', 0, 0, NULL, NULL };
    size_t i, n = 0;
    int running = (t->state & KPT_TH_RUN) != 0;

    h->process = p->name ? p->name : "?";
    h->pid = p->pid;
    h->thread = t->id;
    h->thread_name = t->name;
    h->state = t->state_text;
    h->frames = arena_alloc(a, (t->nframes ? t->nframes : 1) * sizeof(*h->frames));
    for (i = 0; i < t->nframes; i++) {
        struct kpt_frame *f = &h->frames[n];
        const struct kpt_ss_image *img =
            t->fimage[i] < ss->nimages ? &ss->images[t->fimage[i]] : &no_image;

        if (placeholder(t, i))
            continue;
        f->image = img;
        f->img_off = t->foff[i];
        f->addr = img->load + t->foff[i];
        /* every frame but a running thread's first is a return address */
        f->pc = running && n == 0;
        if (t->fsym && t->fsym[i]) {
            /* the name a processed stackshot printed: a hint, as keepsyms names are */
            int kernel =
                img->has_uuid && r->has_kernel_uuid && !memcmp(img->uuid, r->kernel_uuid, 16);

            f->sym_name = t->fsym[i];
            f->sym_off = t->fsymoff[i];
            f->sym_module = kernel ? KPT_MODULE_KERNEL : img->bundle;
            if (!f->sym_module)
                f->sym_name = NULL;
        }
        n++;
    }
    h->nframes = n;
}

/* one hop of rule 1 from thread t of p: the thread t waits on (its process in *op; *kind 1
 * for a thread, 2 for a task, whose rule 2 pick it is), or NULL where the chain ends */
static const struct kpt_ss_thread *
hop(struct choose *c, const struct kpt_ss_proc *p, const struct kpt_ss_thread *t,
    const struct kpt_ss_proc **op, int *kind, const char **line)
{
    const struct kpt_ss_thread *next;
    const char *w = NULL;
    uint64_t id;

    if (!(*kind = blocked_on(p, t, &id, line)))
        return NULL;
    if (*kind == 1) {
        if (!(next = thread_any(c->ss, id, op)))
            step(c, "thread %llu:%s: thread %llu is not in the stackshot",
                 (unsigned long long)t->id, *line, (unsigned long long)id);
        return next;
    }
    if (!(*op = proc_by_pid(c->ss, (int64_t)id))) {
        step(c, "thread %llu:%s: pid %llu is not in the stackshot", (unsigned long long)t->id,
             *line, (unsigned long long)id);
        return NULL;
    }
    step(c, "thread %llu:%s: into %s (pid %lld)", (unsigned long long)t->id, *line,
         (*op)->name ? (*op)->name : "?", (long long)(*op)->pid);
    return pick(c, *op, &w);
}

/* the walk's lines, one string each, into h (in a) */
static void
keep_walk(struct arena *a, struct kpt_hang *h, const struct buf *walk)
{
    size_t n = 0;
    char *s, *q;

    if (!walk->len)
        return;
    s = arena_strndup(a, walk->data, walk->len);
    for (q = s; *q; q++)
        n += *q == '\n';
    h->walk = arena_alloc(a, n * sizeof(*h->walk));
    for (q = s; *q && h->nwalk < n; q++) {
        h->walk[h->nwalk++] = q;
        q = strchr(q, '\n');
        *q = '\0';
    }
}

void
ing_hang_choose(struct arena *a, struct kpt_report *r, const char *service, const char *fallback)
{
    struct kpt_hang *h = arena_alloc(a, sizeof(*h));
    const struct kpt_stackshot *ss = r->ss;
    const struct kpt_ss_proc *p, *op;
    const struct kpt_ss_thread *t, *start, *visited[KPT_MAX_HANG_CHAIN + 1];
    struct choose c = { a, ss, BUF_INIT };
    const char *why = NULL;
    size_t hops = 0, i, nv = 0;

    h->service = service;
    h->pid = -1;
    r->hang = h;
    if (!ss || (!ss->nprocs && !ss->damage)) {
        h->why = "the report has no stackshot";
        return;
    }
    if (ss->damage) {
        h->why = arena_printf(a, "the stackshot cannot be read whole: %s", ss->damage);
        return;
    }
    if (!(p = proc_named(ss, service)) && fallback) {
        step(&c, "no process '%s': its work is done by %s", service, fallback);
        p = proc_named(ss, fallback);
    }
    if (!p) {
        h->why = arena_printf(a, "no process named '%s' in the stackshot", service);
        goto out;
    }
    step(&c, "starved: %s (pid %lld, %zu threads)", p->name, (long long)p->pid, p->nthreads);
    /* rule 1 starts where the main thread waits on a turnstile, else at the rule 2 pick */
    start = p->nthreads ? &p->threads[0] : NULL;
    {
        uint64_t id;
        const char *line;

        if (!start || !blocked_on(p, start, &id, &line) || !real_frames(start))
            start = pick(&c, p, &why);
        else
            why = "main thread";
    }
    if (!start) {
        h->why =
            arena_printf(a, "no thread of %s is blocked uninterruptibly in the kernel", p->name);
        goto out;
    }
    t = start;
    visited[nv++] = t;
    for (hops = 0; hops < KPT_MAX_HANG_CHAIN; hops++) {
        const char *line;
        int kind;
        const struct kpt_ss_thread *next = hop(&c, p, t, &op, &kind, &line);

        if (!next)
            break;
        for (i = 0; i < nv; i++)
            if (visited[i] == next)
                break;
        if (i < nv) {
            step(&c, "thread %llu: the chain comes back to thread %llu: stopped",
                 (unsigned long long)t->id, (unsigned long long)next->id);
            break;
        }
        if (kind == 1)
            step(&c, "thread %llu:%s: owner is thread %llu of %s", (unsigned long long)t->id, line,
                 (unsigned long long)next->id, op->name ? op->name : "?");
        if (!real_frames(next)) {
            step(&c,
                 "thread %llu has no kernel stack (running or parked): the waiter's stack is kept",
                 (unsigned long long)next->id);
            break;
        }
        visited[nv++] = next;
        t = next;
        p = op;
        why = arena_printf(a, "turnstile owner, %zu hop%s from thread %llu of %s", nv - 1,
                           nv == 2 ? "" : "s", (unsigned long long)start->id, h->service);
    }
    if (hops == KPT_MAX_HANG_CHAIN)
        step(&c, "the chain is longer than %u hops: stopped", KPT_MAX_HANG_CHAIN);
    set_thread(a, h, r, p, t);
    h->why = why;
out:
    keep_walk(a, h, &c.walk);
    buf_release(&c.walk);
}
