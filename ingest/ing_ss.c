/*
 * ing_ss.c - the stackshot of an .ips body (STACKSHOTS.md §1-2): processByPid and
 * binaryImages, read by a small JSON reader of its own. jansson reads integers into
 * doubles past 2^63, and image load addresses (0xfffffff0...) need every bit; the reader
 * also skips the rest of the megabyte body without building it.
 *
 * Bounded like every parser: nesting, processes, threads, frames, images and info lines
 * (model.h); what is past a bound is counted in ss->dropped. A body cut or damaged inside
 * the stackshot keeps what was read before the damage and says so in ss->damage.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "util/xalloc.h"

#define SS_STR_MAX 4096u /* a string kept (names, info lines); longer ones are cut */

struct jr {
    const char *p, *end;
    unsigned depth;
    const char *err; /* first error; the reader stops at it */
};

static inline void
ws(struct jr *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int
fail(struct jr *j, const char *why)
{
    if (!j->err)
        j->err = j->p >= j->end ? "the stackshot is cut short" : why;
    return -1;
}

static inline int
eat(struct jr *j, char c)
{
    ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return 0;
    }
    return -1;
}

/* past the string whose opening quote is at *pp (escapes skipped whole); -1 with *pp at
 * end when it is not closed */
static inline int
past_string(const char **pp, const char *end)
{
    const char *p = *pp + 1;

    for (;;) {
        while (p < end && *p != '"' && *p != '\\')
            p++;
        if (p >= end)
            break;
        if (*p == '"') {
            *pp = p + 1;
            return 0;
        }
        p += 2; /* a backslash and what it escapes */
    }
    *pp = end;
    return -1;
}

/* a string's raw bytes (escapes kept) at *s, *n; j->p after the closing quote */
static int
raw_string(struct jr *j, const char **s, size_t *n)
{
    ws(j);
    if (j->p >= j->end || *j->p != '"')
        return fail(j, "a string was expected");
    *s = j->p + 1;
    if (past_string(&j->p, j->end))
        return fail(j, "a string is not closed");
    *n = (size_t)(j->p - 1 - *s);
    return 0;
}

/* a string body s[0..n) decoded into the arena (at most max bytes; NUL becomes '?') */
static const char *
decoded(struct arena *a, const char *s, size_t n, size_t max)
{
    struct buf b = BUF_INIT_MAX(max);
    size_t i;
    char *c;

    /* most strings have no escape and no NUL: taken as they are */
    if (n <= max && !memchr(s, '\\', n) && !memchr(s, '\0', n))
        return arena_strndup(a, s, n);
    ing_json_unescape(s, n, &b);
    c = arena_strndup(a, b.data ? b.data : "", b.len);
    for (i = 0; i < b.len; i++)
        if (!c[i])
            c[i] = '?';
    buf_release(&b);
    return c;
}

static const char *
string(struct jr *j, struct arena *a)
{
    const char *s;
    size_t n;

    return raw_string(j, &s, &n) ? NULL : decoded(a, s, n, SS_STR_MAX);
}

static int
key_is(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && !memcmp(s, want, n);
}

/* an unsigned integer (a sign or a fraction makes it not one: *ok 0, value skipped) */
static int skip_value(struct jr *j);

static int
number(struct jr *j, uint64_t *v, int *ok)
{
    const char *p;
    uint64_t x = 0;
    int over = 0;

    ws(j);
    p = j->p;
    *ok = 0;
    if (p >= j->end || !(*p >= '0' && *p <= '9'))
        return skip_value(j);
    while (p < j->end && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');

        /* 19 digits cannot overflow: the check is for the 20th on */
        if (p - j->p >= 19 && x > (UINT64_MAX - d) / 10)
            over = 1;
        x = x * 10 + d;
        p++;
    }
    j->p = p;
    if (p < j->end && (*p == '.' || *p == 'e' || *p == 'E'))
        return skip_value(j); /* the rest of a real number */
    *v = x;
    *ok = !over;
    return 0;
}

/* what ends a bare value (numbers, true, false, null) */
static const unsigned char bare_end[256] = {
    [0] = 1, [','] = 1, [']'] = 1, ['}'] = 1, [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1,
};

#define IS_WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')

static inline const char *
past_ws(const char *p, const char *end)
{
    while (p < end && IS_WS(*p))
        p++;
    return p;
}

/* blanks, then the character c: past it, or NULL */
static inline const char *
past_ws_char(const char *p, const char *end, char c)
{
    p = past_ws(p, end);
    return p < end && *p == c ? p + 1 : NULL;
}

/* past "[digits,digits]" at *pp (no blank inside) when it is one */
static inline int
skip_pair(const char **pp, const char *end)
{
    const char *q = *pp + 1, *s;

    for (s = q; q < end && (unsigned char)(*q - '0') < 10; q++)
        ;
    if (q == s || q >= end || *q++ != ',')
        return 0;
    for (s = q; q < end && (unsigned char)(*q - '0') < 10; q++)
        ;
    if (q == s || q >= end || *q != ']')
        return 0;
    *pp = q + 1;
    return 1;
}

/*
 * Any JSON value, skipped; bounded nesting. Most of a megabyte body is skipped (the body's
 * scan steps over processByPid whole), so this is a loop over the bytes with a stack of
 * one bit a level (object or array), not a recursion: it accepts exactly what reading the
 * value member by member would, and fails with the same first error.
 */
static int
skip_value(struct jr *j)
{
    const char *p = j->p, *end = j->end;
    unsigned base = j->depth;
    uint64_t objs = 0; /* bit (depth - base - 1): that level is an object */
    const char *why;

#define LEVEL_IS_OBJ() ((objs >> (j->depth - base - 1)) & 1u)
value:
    p = past_ws(p, end);
    if (p >= end) {
        why = "a value was expected";
        goto bad;
    }
    if (*p == '"') {
        if (past_string(&p, end)) {
            why = "a string is not closed";
            goto bad;
        }
    } else if (*p == '[' && j->depth < KPT_MAX_SS_DEPTH && skip_pair(&p, end)) {
        /* [digits,digits], a stackshot frame: what the general path would do, at once */
    } else if (*p == '{' || *p == '[') {
        int obj = *p == '{';

        if (++j->depth > KPT_MAX_SS_DEPTH) {
            why = "the stackshot nests too deep";
            goto bad;
        }
        if (obj)
            objs |= (uint64_t)1 << (j->depth - base - 1);
        else
            objs &= ~((uint64_t)1 << (j->depth - base - 1));
        p++;
        p = past_ws(p, end);
        if (p < end && *p == (obj ? '}' : ']')) {
            p++;
            j->depth--;
        } else if (obj) {
            goto key;
        } else {
            goto value;
        }
    } else {
        const char *s = p;

        while (p < end && !bare_end[(unsigned char)*p])
            p++;
        if (p == s) {
            why = "a value was expected";
            goto bad;
        }
        if (p >= end) {
            why = "the stackshot is cut short";
            goto bad;
        }
    }
after:
    if (j->depth == base) {
        j->p = p;
        return 0;
    }
    p = past_ws(p, end);
    if (p < end && *p == ',') {
        p++;
        if (LEVEL_IS_OBJ())
            goto key;
        goto value;
    }
    if (p < end && *p == (LEVEL_IS_OBJ() ? '}' : ']')) {
        p++;
        j->depth--;
        goto after;
    }
    why = "a ',' or a closing bracket was expected";
    goto bad;
key:
    p = past_ws(p, end);
    if (p >= end || *p != '"') {
        why = "a string was expected";
        goto bad;
    }
    if (past_string(&p, end)) {
        why = "a string is not closed";
        goto bad;
    }
    p = past_ws(p, end);
    if (p >= end || *p != ':') {
        why = "an object member is malformed";
        goto bad;
    }
    p++;
    goto value;
bad:
    j->p = p;
    return fail(j, why);
#undef LEVEL_IS_OBJ
}

/* the members of an object: fn(j, key, n, ctx) reads each value (or skips it) */
typedef int member_fn(struct jr *j, const char *key, size_t n, void *ctx);

static int
members(struct jr *j, member_fn *fn, void *ctx)
{
    const char *k;
    size_t n;

    if (eat(j, '{'))
        return skip_value(j) ? -1 : 1; /* not an object: skipped, the caller ignores it */
    if (++j->depth > KPT_MAX_SS_DEPTH)
        return fail(j, "the stackshot nests too deep");
    if (!eat(j, '}')) {
        j->depth--;
        return 0;
    }
    for (;;) {
        if (raw_string(j, &k, &n) || eat(j, ':'))
            return fail(j, "an object member is malformed");
        if (fn(j, k, n, ctx))
            return -1;
        if (!eat(j, ','))
            continue;
        if (!eat(j, '}'))
            break;
        return fail(j, "a ',' or '}' was expected");
    }
    j->depth--;
    return 0;
}

/* the elements of an array: fn(j, index, ctx) reads each */
typedef int elem_fn(struct jr *j, size_t i, void *ctx);

static int
elements(struct jr *j, elem_fn *fn, void *ctx)
{
    size_t i = 0;

    if (eat(j, '['))
        return skip_value(j) ? -1 : 1;
    if (++j->depth > KPT_MAX_SS_DEPTH)
        return fail(j, "the stackshot nests too deep");
    if (!eat(j, ']')) {
        j->depth--;
        return 0;
    }
    for (;; i++) {
        if (fn(j, i, ctx))
            return -1;
        if (!eat(j, ','))
            continue;
        if (!eat(j, ']'))
            break;
        return fail(j, "a ',' or ']' was expected");
    }
    j->depth--;
    return 0;
}

/* ---- arena vectors ---- */

struct vec {
    void *v;
    size_t n, cap, size;
};

/* room for one more element in an arena vector (old storage is left in the arena) */
static inline void *
vec_push(struct arena *a, struct vec *x)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 8;
        void *v = arena_alloc(a, cap * x->size);

        if (x->n)
            memcpy(v, x->v, x->n * x->size);
        x->v = v;
        x->cap = cap;
    }
    return (char *)x->v + x->n++ * x->size;
}

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
        ws(j);
        if (j->p < j->end && *j->p == '"') {
            if (raw_string(j, &s, &n))
                return -1;
            if (!kpt_uuid_parse(s, n, c->cur.uuid)) {
                static const uint8_t zero[16];

                c->cur.has_uuid = memcmp(c->cur.uuid, zero, 16) != 0;
            }
            return 0;
        }
    } else if (i == 1) {
        if (number(j, &v, &ok))
            return -1;
        if (ok)
            c->cur.load = v;
        return 0;
    } else if (i == 2) {
        ws(j);
        if (j->p < j->end && *j->p == '"') {
            if (raw_string(j, &s, &n))
                return -1;
            c->cur.kind = n == 1 && s[0] >= 0x21 && s[0] < 0x7f ? s[0] : '?';
            return 0;
        }
    }
    return skip_value(j);
}

static int
image(struct jr *j, size_t i, void *ctx)
{
    struct img_ctx *c = ctx;
    int r;

    (void)i;
    memset(&c->cur, 0, sizeof(c->cur));
    c->cur.kind = '?';
    if ((r = elements(j, image_part, c)) < 0)
        return -1;
    /* every entry keeps its place (frames index them), a malformed one as kind '?' */
    if (c->images.n >= KPT_MAX_SS_IMAGES) {
        c->ss->dropped++;
        return 0;
    }
    *(struct kpt_ss_image *)vec_push(c->a, &c->images) = c->cur;
    return 0;
}

/* ---- processByPid ---- */


struct proc_ctx {
    struct kpt_stackshot *ss;
    struct arena *a;
    struct vec procs;
    struct kpt_ss_proc *p;
    struct vec threads, turnstile, wait;
    /* the thread being read */
    struct kpt_ss_thread *t;
    struct vec state, fimage, foff;
    uint64_t fpair[2];
    int fpair_ok;
};

static int
state_flag(struct jr *j, size_t i, void *ctx)
{
    struct proc_ctx *c = ctx;
    const char *s;

    (void)i;
    ws(j);
    if (j->p >= j->end || *j->p != '"')
        return skip_value(j);
    if (!(s = string(j, c->a)))
        return -1;
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
    if (c->state.n < 16)
        *(const char **)vec_push(c->a, &c->state) = s;
    return 0;
}

static int
frame_part(struct jr *j, size_t i, void *ctx)
{
    struct proc_ctx *c = ctx;
    int ok;

    if (i < 2) {
        if (number(j, &c->fpair[i], &ok))
            return -1;
        if (!ok)
            c->fpair_ok = 0;
        return 0;
    }
    return skip_value(j);
}

/* up to 19 digits at *pp (none, or more, is not this kind of number) */
static inline int
digits19(const char **pp, const char *end, uint64_t *v)
{
    const char *p = *pp, *lim = end - p > 19 ? p + 19 : end;
    uint64_t x = 0;

    while (p < lim && (unsigned char)(*p - '0') < 10)
        x = x * 10 + (uint64_t)(*p++ - '0');
    if (p == *pp || (p < end && *p >= '0' && *p <= '9'))
        return -1;
    *pp = p;
    *v = x;
    return 0;
}

/*
 * The common frame, [image, offset] with plain integers, read in one go: 1 when it is one
 * (j->p past it), 0 when the general reader must read it (j->p untouched). A megabyte
 * stackshot is mostly these.
 */
static int
frame_fast(struct jr *j, uint64_t pair[2])
{
    const char *p = j->p, *end = j->end;
    uint64_t a, b;

    if (j->depth + 1 > KPT_MAX_SS_DEPTH || !(p = past_ws_char(p, end, '[')))
        return 0;
    p = past_ws(p, end);
    if (digits19(&p, end, &a) || !(p = past_ws_char(p, end, ',')))
        return 0;
    p = past_ws(p, end);
    if (digits19(&p, end, &b) || !(p = past_ws_char(p, end, ']')))
        return 0;
    j->p = p;
    pair[0] = a;
    pair[1] = b;
    return 1;
}

static int
kframe(struct jr *j, size_t i, void *ctx)
{
    struct proc_ctx *c = ctx;
    int r;

    (void)i;
    c->fpair_ok = 1;
    c->fpair[0] = c->fpair[1] = UINT64_MAX;
    if (frame_fast(j, c->fpair))
        r = 0;
    else if ((r = elements(j, frame_part, c)) < 0)
        return -1;
    if (r || !c->fpair_ok || c->fpair[0] == UINT64_MAX || c->fpair[1] == UINT64_MAX) {
        c->fpair[0] = UINT32_MAX; /* a malformed frame keeps its place, as no image */
        c->fpair[1] = 0;
    }
    if (c->fimage.n >= KPT_MAX_SS_FRAMES || c->ss->nframes >= KPT_MAX_SS_ALL_FRAMES) {
        c->ss->dropped++;
        return 0;
    }
    c->ss->nframes++;
    *(uint32_t *)vec_push(c->a, &c->fimage) = c->fpair[0] > UINT32_MAX ? UINT32_MAX : (uint32_t)c->fpair[0];
    *(uint64_t *)vec_push(c->a, &c->foff) = c->fpair[1];
    return 0;
}

static int
thread_member(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct proc_ctx *c = ctx;
    uint64_t v;
    int ok;

    if (key_is(k, n, "id")) {
        if (number(j, &v, &ok))
            return -1;
        if (ok)
            c->t->id = v;
        return 0;
    }
    if (key_is(k, n, "name")) {
        ws(j);
        if (j->p < j->end && *j->p == '"')
            return (c->t->name = string(j, c->a)) ? 0 : -1;
    }
    if (key_is(k, n, "state"))
        return elements(j, state_flag, c) < 0 ? -1 : 0;
    if (key_is(k, n, "kernelFrames"))
        return elements(j, kframe, c) < 0 ? -1 : 0;
    if (key_is(k, n, "continuation"))
        c->t->continuation = 1;
    return skip_value(j);
}

static int
thread(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct proc_ctx *c = ctx;
    struct kpt_ss_thread t;
    struct buf b = BUF_INIT;
    size_t i;
    int r;

    memset(&t, 0, sizeof(t));
    /* the key is the id; an "id" member, when given, wins */
    for (i = 0; i < n && k[i] >= '0' && k[i] <= '9' && i < 20; i++)
        t.id = t.id * 10 + (uint64_t)(k[i] - '0');
    c->t = &t;
    memset(&c->state, 0, sizeof(c->state));
    memset(&c->fimage, 0, sizeof(c->fimage));
    memset(&c->foff, 0, sizeof(c->foff));
    c->state.size = sizeof(const char *);
    c->fimage.size = sizeof(uint32_t);
    c->foff.size = sizeof(uint64_t);
    if ((r = members(j, thread_member, c)) < 0)
        return -1;
    if (r)
        return 0;
    t.fimage = c->fimage.v;
    t.foff = c->foff.v;
    t.nframes = c->fimage.n;
    for (i = 0; i < c->state.n; i++) {
        buf_adds(&b, i ? "," : "");
        buf_adds(&b, ((const char **)c->state.v)[i]);
    }
    t.state_text = b.len ? arena_strndup(c->a, b.data, b.len) : NULL;
    buf_release(&b);
    if (c->ss->nthreads >= KPT_MAX_SS_THREADS) {
        c->ss->dropped++;
        return 0;
    }
    c->ss->nthreads++;
    *(struct kpt_ss_thread *)vec_push(c->a, &c->threads) = t;
    return 0;
}

static int
info_line(struct jr *j, size_t i, void *ctx)
{
    struct vec *v = ((void **)ctx)[0];
    struct proc_ctx *c = ((void **)ctx)[1];
    const char *s;

    (void)i;
    ws(j);
    if (j->p >= j->end || *j->p != '"')
        return skip_value(j);
    if (!(s = string(j, c->a)))
        return -1;
    if (v->n >= KPT_MAX_SS_INFO) {
        c->ss->dropped++;
        return 0;
    }
    *(const char **)vec_push(c->a, v) = s;
    return 0;
}

static int
proc_member(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct proc_ctx *c = ctx;
    uint64_t v;
    int ok;

    if (key_is(k, n, "pid")) {
        if (number(j, &v, &ok))
            return -1;
        if (ok && v <= INT64_MAX)
            c->p->pid = (int64_t)v;
        return 0;
    }
    if (key_is(k, n, "procname")) {
        ws(j);
        if (j->p < j->end && *j->p == '"')
            return (c->p->name = string(j, c->a)) ? 0 : -1;
    }
    if (key_is(k, n, "threadById"))
        return members(j, thread, c) < 0 ? -1 : 0;
    if (key_is(k, n, "turnstileInfo") || key_is(k, n, "waitInfo")) {
        void *pair[2] = { key_is(k, n, "waitInfo") ? &c->wait : &c->turnstile, c };

        return elements(j, info_line, pair) < 0 ? -1 : 0;
    }
    return skip_value(j);
}

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
    r = members(j, proc_member, c);
    /* what was read of a process cut short still counts */
    p.threads = c->threads.v;
    p.nthreads = c->threads.n;
    if (p.nthreads > 1)
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
        *(struct kpt_ss_proc *)vec_push(c->a, &c->procs) = p;
    return r < 0 ? -1 : 0;
}

/* ---- the body's top level ---- */

static const char *const body_keys[ING_B_N] = {
    "panicString", "macOSPanicString", "build", "product", "kernel", "date", "incident",
};

struct body_ctx {
    struct ing_body *b;
    struct arena *a;
    size_t max;
};

/* a string member decoded (at most max bytes, NUL as '?'); an integer as its digits */
static const char *
scalar(struct jr *j, struct arena *a, size_t max)
{
    const char *s;
    size_t n, i;

    ws(j);
    if (j->p < j->end && (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))) {
        s = j->p;
        if (skip_value(j))
            return NULL;
        for (i = s[0] == '-'; s + i < j->p && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        return s + i == j->p ? arena_strndup(a, s, i) : NULL;
    }
    if (j->p >= j->end || *j->p != '"') {
        skip_value(j); /* another kind of value: none */
        return NULL;
    }
    return raw_string(j, &s, &n) ? NULL : decoded(a, s, n, max);
}

static int
body_member(struct jr *j, const char *k, size_t n, void *ctx)
{
    struct body_ctx *c = ctx;
    size_t i;

    for (i = 0; i < ING_B_N; i++)
        if (key_is(k, n, body_keys[i])) {
            c->b->s[i] = scalar(j, c->a, c->max);
            return j->err ? -1 : 0;
        }
    if (key_is(k, n, "processByPid") || key_is(k, n, "binaryImages")) {
        /* kept raw, read only when the panic is a hang (cut: up to the end of the body) */
        int procs = key_is(k, n, "processByPid");
        const char *start;
        int r;

        ws(j);
        start = j->p;
        r = skip_value(j);
        *(procs ? &c->b->procs : &c->b->images) = start;
        *(procs ? &c->b->nprocs : &c->b->nimages) = (size_t)((r ? j->end : j->p) - start);
        return r;
    }
    return skip_value(j);
}

void
ing_body_scan(const char *body, size_t len, size_t max, struct arena *a, struct ing_body *b)
{
    struct jr j = { body, body + len, 0, NULL };
    struct body_ctx c = { b, a, max };

    memset(b, 0, sizeof(*b));
    if (members(&j, body_member, &c) == 0 && !j.err) {
        ws(&j);
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
    if (b->procs) {
        struct jr j = { b->procs, b->procs + b->nprocs, 0, NULL };

        if (members(&j, proc, &c) > 0 && !j.err)
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
        if (elements(&j, image, &ic) > 0 && !j.err)
            j.err = "binaryImages is not an array";
        ss->images = ic.images.v;
        ss->nimages = ic.images.n;
        if (!err)
            err = j.err;
    }
    ss->procs = c.procs.v;
    ss->nprocs = c.procs.n;
    if (ss->nprocs > 1)
        qsort(ss->procs, ss->nprocs, sizeof(*ss->procs), proc_cmp);
    ss->damage = err;
    return ss;
}

struct kpt_stackshot *
ing_ss_parse(const char *body, size_t len, struct arena *a)
{
    struct ing_body b;
    struct kpt_stackshot *ss;

    ing_body_scan(body, len, SS_STR_MAX, a, &b);
    ss = ing_ss_from(&b, a);
    if (!ss->damage && !b.ok && (b.procs || b.images))
        ss->damage = "the body is cut short or malformed";
    return ss;
}
