/*
 * ing_ss.c - the stackshot of an .ips body (STACKSHOTS.md §1-2): processByPid and
 * binaryImages, read by a small JSON reader of its own (ing_jr.h): jansson reads integers
 * into doubles past 2^63, and image load addresses (0xfffffff0...) need every bit; the
 * reader also skips the rest of the megabyte body without building it.
 *
 * Bounded like every parser: nesting, processes, threads, frames, images and info lines
 * (model.h); what is past a bound is counted in ss->dropped. A body cut or damaged inside
 * the stackshot keeps what was read before the damage and says so in ss->damage.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "ingest/ing_jr.h"
#include "util/err.h"
#include "util/xalloc.h"

/* ---- binaryImages ---- */

struct img_ctx {
    struct kpt_stackshot *ss;
    struct arena *a;
    struct kpt_ss_image cur;
    struct vec images;
};

static int
image_part(struct jr *j, size_t i, void *ctx)
{
    struct img_ctx *c = ctx;
    const char *s;
    size_t n;
    uint64_t v;
    int ok;

    if (i == 0) {
        jr_ws(j);
        if (j->p < j->end && *j->p == '"') {
            if (jr_raw_string(j, &s, &n))
                return KPT_E_PARSE;
            if (!kpt_uuid_parse(s, n, c->cur.uuid)) {
                static const uint8_t zero[16];

                c->cur.has_uuid = memcmp(c->cur.uuid, zero, 16) != 0;
            }
            return 0;
        }
    } else if (i == 1) {
        if (jr_number(j, &v, &ok))
            return KPT_E_PARSE;
        if (ok)
            c->cur.load = v;
        return 0;
    } else if (i == 2) {
        jr_ws(j);
        if (j->p < j->end && *j->p == '"') {
            if (jr_raw_string(j, &s, &n))
                return KPT_E_PARSE;
            c->cur.kind = n == 1 && s[0] >= 0x21 && s[0] < 0x7f ? s[0] : '?';
            return 0;
        }
    }
    return jr_skip_value(j);
}

static int
image(struct jr *j, size_t i, void *ctx)
{
    struct img_ctx *c = ctx;
    int r;

    (void)i;
    memset(&c->cur, 0, sizeof(c->cur));
    c->cur.kind = '?';
    if ((r = jr_elements(j, image_part, c)) < 0)
        return KPT_E_PARSE;
    /* every entry keeps its place (frames index them), a malformed one as kind '?' */
    if (c->images.n >= KPT_MAX_SS_IMAGES) {
        c->ss->dropped++;
        return 0;
    }
    *(struct kpt_ss_image *)jr_vec_push(c->a, &c->images) = c->cur;
    return 0;
}

/* ---- processByPid ---- */

struct proc_ctx {
    struct kpt_stackshot *ss;
    struct arena *a;
    struct vec procs;
    struct kpt_ss_proc *p;
    struct vec threads, turnstile, wait;
    /* the thread being read: its flags and frames gathered here, copied out whole */
    struct kpt_ss_thread *t;
    const char *state[16];
    size_t nstate, nfr;
    uint32_t fimage[KPT_MAX_SS_FRAMES];
    uint64_t foff[KPT_MAX_SS_FRAMES];
    uint64_t fpair[2];
    int fpair_ok;
};

/* the flags a stackshot lists, kept as themselves (no copy) when written plainly */
static const char *const th_flags[] = { "TH_WAIT", "TH_UNINT", "TH_RUN", "TH_SUSP", "TH_IDLE" };

static int
state_flag(struct jr *j, size_t i, void *ctx)
{
    struct proc_ctx *c = ctx;
    const char *s = NULL, *raw;
    size_t n, k;

    (void)i;
    jr_ws(j);
    if (j->p >= j->end || *j->p != '"')
        return jr_skip_value(j);
    if (jr_raw_string(j, &raw, &n))
        return KPT_E_PARSE;
    for (k = 0; k < sizeof(th_flags) / sizeof(th_flags[0]) && !s; k++)
        if (jr_key_is(raw, n, th_flags[k]))
            s = th_flags[k];
    if (!s)
        s = jr_decoded(c->a, raw, n, JR_STR_MAX);
    if (!strcmp(s, "TH_WAIT"))
        c->t->state |= KPT_TH_WAIT;
    else if (!strcmp(s, "TH_UNINT"))
        c->t->state |= KPT_TH_UNINT;
    else if (!strcmp(s, "TH_RUN"))
        c->t->state |= KPT_TH_RUN;
    else if (!strcmp(s, "TH_SUSP"))
        c->t->state |= KPT_TH_SUSP;
    else if (!strcmp(s, "TH_IDLE"))
        c->t->state |= KPT_TH_IDLE;
    if (c->nstate < sizeof(c->state) / sizeof(c->state[0]))
        c->state[c->nstate++] = s;
    else
        c->ss->dropped++; /* past the flags a thread's state text keeps (its bits are set) */
    return 0;
}

static int
frame_part(struct jr *j, size_t i, void *ctx)
{
    struct proc_ctx *c = ctx;
    int ok;

    if (i < 2) {
        if (jr_number(j, &c->fpair[i], &ok))
            return KPT_E_PARSE;
        if (!ok)
            c->fpair_ok = 0;
        return 0;
    }
    return jr_skip_value(j);
}

static int
kframe(struct jr *j, size_t i, void *ctx)
{
    struct proc_ctx *c = ctx;
    uint64_t pair[2];
    int r;

    (void)i;
    /* a frame read fast has at most 19 digits a number: never UINT64_MAX, kept as it is */
    if (!jr_pair(j, pair)) {
        c->fpair_ok = 1;
        c->fpair[0] = c->fpair[1] = UINT64_MAX;
        if ((r = jr_elements(j, frame_part, c)) < 0)
            return KPT_E_PARSE;
        if (r || !c->fpair_ok || c->fpair[0] == UINT64_MAX || c->fpair[1] == UINT64_MAX) {
            c->fpair[0] = UINT32_MAX; /* a malformed frame keeps its place, as no image */
            c->fpair[1] = 0;
        }
        pair[0] = c->fpair[0];
        pair[1] = c->fpair[1];
    }
    if (c->nfr >= KPT_MAX_SS_FRAMES || c->ss->nframes >= KPT_MAX_SS_ALL_FRAMES) {
        c->ss->dropped++;
        return 0;
    }
    c->ss->nframes++;
    c->fimage[c->nfr] = pair[0] > UINT32_MAX ? UINT32_MAX : (uint32_t)pair[0];
    c->foff[c->nfr++] = pair[1];
    return 0;
}

static int
thread_member(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct proc_ctx *c = ctx;
    uint64_t v;
    int ok;

    if (jr_key_is(k, n, "id")) {
        if (jr_number(j, &v, &ok))
            return KPT_E_PARSE;
        if (ok)
            c->t->id = v;
        return 0;
    }
    if (jr_key_is(k, n, "name")) {
        jr_ws(j);
        if (j->p < j->end && *j->p == '"')
            return (c->t->name = jr_string(j, c->a)) ? 0 : KPT_E_PARSE;
    }
    if (jr_key_is(k, n, "state"))
        return jr_elements(j, state_flag, c) < 0 ? KPT_E_PARSE : 0;
    if (jr_key_is(k, n, "kernelFrames"))
        return jr_elements(j, kframe, c) < 0 ? KPT_E_PARSE : 0;
    if (jr_key_is(k, n, "continuation"))
        c->t->continuation = 1;
    return jr_skip_value(j);
}

/* the flags listed, joined with ',' (NULL when that is empty) */
static const char *
state_join(struct arena *a, const char *const *v, size_t n)
{
    size_t i, len = n ? n - 1 : 0, l;
    char *s, *q;

    for (i = 0; i < n; i++)
        len += strlen(v[i]);
    if (!len)
        return NULL;
    q = s = arena_alloc(a, len + 1);
    for (i = 0; i < n; i++) {
        if (i)
            *q++ = ',';
        l = strlen(v[i]);
        memcpy(q, v[i], l);
        q += l;
    }
    return s;
}

/* a copy of n elements of size bytes in the arena (NULL for none) */
static void *
arena_copy(struct arena *a, const void *v, size_t n, size_t size)
{
    void *d;

    if (!n)
        return NULL;
    d = arena_alloc(a, n * size);
    memcpy(d, v, n * size);
    return d;
}

static int
thread(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct proc_ctx *c = ctx;
    struct kpt_ss_thread t;
    size_t i;
    int r;

    memset(&t, 0, sizeof(t));
    /* the key is the id; an "id" member, when given, wins */
    for (i = 0; i < n && k[i] >= '0' && k[i] <= '9' && i < 20; i++)
        t.id = t.id * 10 + (uint64_t)(k[i] - '0');
    c->t = &t;
    c->nstate = c->nfr = 0;
    if ((r = jr_members(j, thread_member, c)) < 0)
        return KPT_E_PARSE;
    if (r)
        return 0;
    t.fimage = arena_copy(c->a, c->fimage, c->nfr, sizeof(*c->fimage));
    t.foff = arena_copy(c->a, c->foff, c->nfr, sizeof(*c->foff));
    t.nframes = c->nfr;
    t.state_text = state_join(c->a, c->state, c->nstate);
    if (c->ss->nthreads >= KPT_MAX_SS_THREADS) {
        c->ss->dropped++;
        return 0;
    }
    c->ss->nthreads++;
    *(struct kpt_ss_thread *)jr_vec_push(c->a, &c->threads) = t;
    return 0;
}

static int
info_line(struct jr *j, size_t i, void *ctx)
{
    struct vec *v = ((void **)ctx)[0];
    struct proc_ctx *c = ((void **)ctx)[1];
    const char *s;

    (void)i;
    jr_ws(j);
    if (j->p >= j->end || *j->p != '"')
        return jr_skip_value(j);
    if (!(s = jr_string(j, c->a)))
        return KPT_E_PARSE;
    if (v->n >= KPT_MAX_SS_INFO) {
        c->ss->dropped++;
        return 0;
    }
    *(const char **)jr_vec_push(c->a, v) = s;
    return 0;
}

static int
proc_member(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct proc_ctx *c = ctx;
    uint64_t v;
    int ok;

    if (jr_key_is(k, n, "pid")) {
        if (jr_number(j, &v, &ok))
            return KPT_E_PARSE;
        if (ok && v <= INT64_MAX)
            c->p->pid = (int64_t)v;
        return 0;
    }
    if (jr_key_is(k, n, "procname")) {
        jr_ws(j);
        if (j->p < j->end && *j->p == '"')
            return (c->p->name = jr_string(j, c->a)) ? 0 : KPT_E_PARSE;
    }
    if (jr_key_is(k, n, "threadById"))
        return jr_members(j, thread, c) < 0 ? KPT_E_PARSE : 0;
    if (jr_key_is(k, n, "turnstileInfo") || jr_key_is(k, n, "waitInfo")) {
        void *pair[2] = { jr_key_is(k, n, "waitInfo") ? &c->wait : &c->turnstile, c };

        return jr_elements(j, info_line, pair) < 0 ? KPT_E_PARSE : 0;
    }
    return jr_skip_value(j);
}

static int
thread_cmp(const void *x, const void *y)
{
    const struct kpt_ss_thread *a = x, *b = y;

    return a->id < b->id ? -1 : a->id > b->id;
}

/* 1 when the ids (pids) already ascend strictly: then sorting changes nothing, and a
 * stackshot lists them so */
static int
threads_ascend(const struct kpt_ss_thread *t, size_t n)
{
    size_t i;

    for (i = 1; i < n; i++)
        if (t[i - 1].id >= t[i].id)
            return 0;
    return 1;
}

static int
procs_ascend(const struct kpt_ss_proc *p, size_t n)
{
    size_t i;

    for (i = 1; i < n; i++)
        if (p[i - 1].pid >= p[i].pid)
            return 0;
    return 1;
}

static int
proc_cmp(const void *x, const void *y)
{
    const struct kpt_ss_proc *a = x, *b = y;

    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int
proc(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct proc_ctx *c = ctx;
    struct kpt_ss_proc p;
    size_t i;
    int r;

    memset(&p, 0, sizeof(p));
    p.pid = -1;
    for (i = 0; i < n && k[i] >= '0' && k[i] <= '9' && i < 18; i++)
        p.pid = (p.pid < 0 ? 0 : p.pid * 10) + (k[i] - '0');
    c->p = &p;
    memset(&c->threads, 0, sizeof(c->threads));
    memset(&c->turnstile, 0, sizeof(c->turnstile));
    memset(&c->wait, 0, sizeof(c->wait));
    c->threads.size = sizeof(struct kpt_ss_thread);
    c->turnstile.size = c->wait.size = sizeof(const char *);
    r = jr_members(j, proc_member, c);
    /* what was read of a process cut short still counts */
    p.threads = c->threads.v;
    p.nthreads = c->threads.n;
    if (p.nthreads > 1 && !threads_ascend(p.threads, p.nthreads))
        qsort(p.threads, p.nthreads, sizeof(*p.threads), thread_cmp);
    p.turnstile = c->turnstile.v;
    p.nturnstile = c->turnstile.n;
    p.wait = c->wait.v;
    p.nwait = c->wait.n;
    if (r == 1)
        return 0;
    if (c->procs.n >= KPT_MAX_SS_PROCS)
        c->ss->dropped++;
    else
        *(struct kpt_ss_proc *)jr_vec_push(c->a, &c->procs) = p;
    return r < 0 ? KPT_E_PARSE : 0;
}

/* the processes read, in ss, by pid */
static void
procs_done(struct kpt_stackshot *ss, const struct proc_ctx *c)
{
    ss->procs = c->procs.v;
    ss->nprocs = c->procs.n;
    if (ss->nprocs > 1 && !procs_ascend(ss->procs, ss->nprocs))
        qsort(ss->procs, ss->nprocs, sizeof(*ss->procs), proc_cmp);
}

/*
 * processByPid read while the body is scanned, when the panic string read before it may
 * name a starved party: a hang's stackshot is read whole anyway, and so a megabyte is read
 * once, not skipped and then read. 0 with j past it and *out its processes (sorted; no
 * damage); KPT_E_PARSE with j untouched when any of it does not read (not an object, past
 * the depth, damaged): the scan then skips it and ing_ss_from() reads it as it always did,
 * for the same first error. What reads here skips too, to the same end (the reader accepts
 * less than jr_skip_value(), never more), and what it reads does not depend on where the
 * value ends: so ing_ss_from() would read the same.
 */
static int
procs_now(struct jr *j, struct arena *a, struct kpt_stackshot **out)
{
    struct kpt_stackshot *ss = arena_alloc(a, sizeof(*ss));
    struct jr r = { j->p, j->end, j->depth, NULL };
    struct proc_ctx c;

    memset(&c, 0, sizeof(c));
    c.ss = ss;
    c.a = a;
    c.procs.size = sizeof(struct kpt_ss_proc);
    if (jr_members(&r, proc, &c) || r.err)
        return KPT_E_PARSE;
    procs_done(ss, &c);
    j->p = r.p;
    *out = ss;
    return 0;
}

/* ---- the body's top level ---- */

static const char *const body_keys[ING_B_N] = {
    "panicString", "macOSPanicString", "build", "product", "kernel", "date", "incident",
};

struct body_ctx {
    struct ing_body *b;
    struct arena *a;
    size_t max;
    int hangish; /* a panic string read so far may name a starved party (ing_hang_service()) */
};

/* a string member decoded (at most max bytes, NUL as '?'); an integer as its digits */
static const char *
scalar(struct jr *j, struct arena *a, size_t max)
{
    const char *s;
    size_t n, i;

    jr_ws(j);
    if (j->p < j->end && (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))) {
        s = j->p;
        if (jr_skip_value(j))
            return NULL;
        for (i = s[0] == '-'; s + i < j->p && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        return s + i == j->p ? arena_strndup(a, s, i) : NULL;
    }
    if (j->p >= j->end || *j->p != '"') {
        jr_skip_value(j); /* another kind of value: none */
        return NULL;
    }
    return jr_raw_string(j, &s, &n) ? NULL : jr_decoded(a, s, n, max);
}

static int
body_member(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct body_ctx *c = ctx;
    size_t i;

    for (i = 0; i < ING_B_N; i++)
        if (jr_key_is(k, n, body_keys[i])) {
            const char *v = scalar(j, c->a, c->max);

            c->b->s[i] = v;
            if ((i == ING_B_PANIC || i == ING_B_HOST_PANIC) && v &&
                (strstr(v, "checkins") || strstr(v, "busy timeout") || strstr(v, "unresponsive")))
                c->hangish = 1; /* only says whether to read processByPid at once */
            return j->err ? KPT_E_PARSE : 0;
        }
    if (jr_key_is(k, n, "macOSProcessedStackshotData")) {
        /* kept raw: decoded only when the panic is a hang (ing_pss_from()) */
        c->b->has_pss = 1;
        return jr_kept_string(j, &c->b->pss, &c->b->npss, &c->b->pss_cut);
    }
    if (jr_key_is(k, n, "processByPid") || jr_key_is(k, n, "binaryImages")) {
        /* kept raw, read only when the panic is a hang (cut: up to the end of the body) */
        int procs = jr_key_is(k, n, "processByPid");
        const char *start;
        int r;

        jr_ws(j);
        start = j->p;
        if (procs)
            c->b->pre = NULL;
        if (procs && c->hangish && !procs_now(j, c->a, &c->b->pre)) {
            c->b->procs = start;
            c->b->nprocs = (size_t)(j->p - start);
            return 0;
        }
        r = jr_skip_value(j);
        *(procs ? &c->b->procs : &c->b->images) = start;
        *(procs ? &c->b->nprocs : &c->b->nimages) = (size_t)((r ? j->end : j->p) - start);
        return r;
    }
    return jr_skip_value(j);
}

void
ing_body_scan(const char *body, size_t len, size_t max, struct arena *a, struct ing_body *b)
{
    struct jr j = { body, body + len, 0, NULL };
    struct body_ctx c = { b, a, max, 0 };

    memset(b, 0, sizeof(*b));
    if (jr_members(&j, body_member, &c) == 0 && !j.err) {
        jr_ws(&j);
        b->ok = j.p == j.end; /* one object, nothing after it */
    }
}

struct kpt_stackshot *
ing_ss_from(const struct ing_body *b, struct arena *a)
{
    struct kpt_stackshot *ss = arena_alloc(a, sizeof(*ss));
    struct proc_ctx c;
    const char *err = NULL;

    memset(ss, 0, sizeof(*ss));
    memset(&c, 0, sizeof(c));
    c.ss = ss;
    c.a = a;
    c.procs.size = sizeof(struct kpt_ss_proc);
    if (b->pre)
        *ss = *b->pre; /* read by the scan */
    else if (b->procs) {
        struct jr j = { b->procs, b->procs + b->nprocs, 0, NULL };

        if (jr_members(&j, proc, &c) > 0 && !j.err)
            j.err = "processByPid is not an object";
        err = j.err;
    }
    if (b->images) {
        struct jr j = { b->images, b->images + b->nimages, 0, NULL };
        struct img_ctx ic;

        memset(&ic, 0, sizeof(ic));
        ic.ss = ss;
        ic.a = a;
        ic.images.size = sizeof(struct kpt_ss_image);
        if (jr_elements(&j, image, &ic) > 0 && !j.err)
            j.err = "binaryImages is not an array";
        ss->images = ic.images.v;
        ss->nimages = ic.images.n;
        if (!err)
            err = j.err;
    }
    if (!b->pre)
        procs_done(ss, &c);
    ss->damage = err;
    return ss;
}

struct kpt_stackshot *
ing_ss_parse(const char *body, size_t len, struct arena *a)
{
    struct ing_body b;
    struct kpt_stackshot *ss;

    ing_body_scan(body, len, JR_STR_MAX, a, &b);
    ss = ing_ss_from(&b, a);
    if (!ss->damage && !b.ok && (b.procs || b.images))
        ss->damage = "the body is cut short or malformed";
    return ss;
}
