/*
 * ing_jr.h - the small JSON reader the stackshot is read with (ing_ss.c); private to ingest/.
 *
 * It reads in place (no tree), keeps every bit of an integer (jansson reads past 2^63 into
 * doubles, and image load addresses need every bit), skips what it is not asked for without
 * building it, and stops at the first error: each function returns 0, or KPT_E_PARSE with
 * the first error's words in j->err (a cut body says so). Nesting is bounded by
 * KPT_MAX_SS_DEPTH.
 */
#ifndef KPT_ING_JR_H
#define KPT_ING_JR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/model.h"
#include "util/err.h"

#define JR_STR_MAX 4096u /* a string kept (names, info lines); longer ones are cut */

struct jr {
    const char *p, *end;
    unsigned depth;
    const char *err; /* first error; the reader stops at it */
};

/* a blank; most bytes are none, and say so in one comparison */
#define JR_IS_WS(c)                                                                                \
    ((unsigned char)(c) <= ' ' && ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r'))

/* the reader's inner loops, inline: a megabyte body goes through them */
static inline void
jr_ws(struct jr *j)
{
    while (j->p < j->end && JR_IS_WS(*j->p))
        j->p++;
}

static inline int
jr_eat(struct jr *j, char c)
{
    jr_ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return 0;
    }
    return KPT_E_PARSE;
}

static inline const char *
jr_past_ws(const char *p, const char *end)
{
    while (p < end && JR_IS_WS(*p))
        p++;
    return p;
}

/* blanks, then the character c: past it, or NULL */
static inline const char *
jr_past_ws_char(const char *p, const char *end, char c)
{
    p = jr_past_ws(p, end);
    return p < end && *p == c ? p + 1 : NULL;
}

static inline int
jr_key_is(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && !memcmp(s, want, n);
}

/* up to 19 digits at *pp (none, or more, is not this kind of number) */
static inline int
jr_digits19(const char **pp, const char *end, uint64_t *v)
{
    const char *p = *pp;
    size_t left = (size_t)(end - p), n = left < 19 ? left : 19, i;
    uint64_t x = 0;
    unsigned d;

    for (i = 0; i < n && (d = (unsigned char)(p[i] - '0')) < 10; i++)
        x = x * 10 + d;
    if (!i || (i < left && (unsigned char)(p[i] - '0') < 10))
        return KPT_E_PARSE;
    *pp = p + i;
    *v = x;
    return 0;
}

/*
 * jr_pair() - an array of two plain integers (a stackshot's frame, [image, offset]) read in
 * one go: 1 when it is one (j->p past it), 0 when the general reader must read it (j->p
 * untouched). A megabyte stackshot is mostly these, written tight ("[0,16384]"): that form
 * is tried first.
 */
static inline int
jr_pair(struct jr *j, uint64_t pair[2])
{
    const char *p = j->p, *end = j->end, *q;
    uint64_t a, b;

    if (j->depth + 1 > KPT_MAX_SS_DEPTH)
        return 0;
    if (p < end && *p == '[' && (q = p + 1, !jr_digits19(&q, end, &a)) && q < end && *q == ',' &&
        (q++, !jr_digits19(&q, end, &b)) && q < end && *q == ']') {
        j->p = q + 1;
        pair[0] = a;
        pair[1] = b;
        return 1;
    }
    if (!(p = jr_past_ws_char(p, end, '[')))
        return 0;
    p = jr_past_ws(p, end);
    if (jr_digits19(&p, end, &a) || !(p = jr_past_ws_char(p, end, ',')))
        return 0;
    p = jr_past_ws(p, end);
    if (jr_digits19(&p, end, &b) || !(p = jr_past_ws_char(p, end, ']')))
        return 0;
    j->p = p;
    pair[0] = a;
    pair[1] = b;
    return 1;
}

/* jr_fail() - note the first error (why, or "cut short" at the end); KPT_E_PARSE */
int jr_fail(struct jr *j, const char *why);
/* jr_raw_string() - a string's raw bytes (escapes kept) at *s, *n; j->p after its quote */
int jr_raw_string(struct jr *j, const char **s, size_t *n);
/* jr_decoded() - a string body s[0..n) decoded into the arena (at most max bytes; NUL
 * becomes '?'); jr_string() - the next string so, at most JR_STR_MAX bytes, or NULL */
const char *jr_decoded(struct arena *a, const char *s, size_t n, size_t max);
const char *jr_string(struct jr *j, struct arena *a);
/* jr_number() - an unsigned integer into *v (a sign or a fraction makes it not one: *ok 0,
 * the value skipped) */
int jr_number(struct jr *j, uint64_t *v, int *ok);
/* jr_kept_string() - a string value's raw bytes kept at *s, *n (0); a string the text cuts:
 * from its quote to the text's end, *cut set (KPT_E_PARSE); another value: skipped, *s NULL */
int jr_kept_string(struct jr *j, const char **s, size_t *n, int *cut);
/* jr_skip_value() - any JSON value, skipped */
int jr_skip_value(struct jr *j);

/* jr_members() - the members of an object: fn(j, key, n, ctx) reads each value (or skips
 * it); 1 when the value is no object (skipped, for the caller to ignore). jr_elements() -
 * the elements of an array: fn(j, index, ctx) reads each; 1 as above. Both inline, so that
 * the compiler calls each fn directly (and can inline it): a body has ~100,000 elements. */
typedef int jr_member_fn(struct jr *j, const char *key, size_t n, void *ctx);
typedef int jr_elem_fn(struct jr *j, size_t i, void *ctx);

static inline int
jr_members(struct jr *j, jr_member_fn *fn, void *ctx)
{
    const char *k;
    size_t n;

    if (jr_eat(j, '{'))
        return jr_skip_value(j) ? KPT_E_PARSE
                                : 1; /* not an object: skipped, the caller ignores it */
    if (++j->depth > KPT_MAX_SS_DEPTH)
        return jr_fail(j, "the stackshot nests too deep");
    if (!jr_eat(j, '}')) {
        j->depth--;
        return 0;
    }
    for (;;) {
        if (jr_raw_string(j, &k, &n) || jr_eat(j, ':'))
            return jr_fail(j, "an object member is malformed");
        if (fn(j, k, n, ctx))
            return KPT_E_PARSE;
        if (!jr_eat(j, ','))
            continue;
        if (!jr_eat(j, '}'))
            break;
        return jr_fail(j, "a ',' or '}' was expected");
    }
    j->depth--;
    return 0;
}

static inline int
jr_elements(struct jr *j, jr_elem_fn *fn, void *ctx)
{
    size_t i = 0;

    if (jr_eat(j, '['))
        return jr_skip_value(j) ? KPT_E_PARSE : 1;
    if (++j->depth > KPT_MAX_SS_DEPTH)
        return jr_fail(j, "the stackshot nests too deep");
    if (!jr_eat(j, ']')) {
        j->depth--;
        return 0;
    }
    for (;; i++) {
        if (fn(j, i, ctx))
            return KPT_E_PARSE;
        if (!jr_eat(j, ','))
            continue;
        if (!jr_eat(j, ']'))
            break;
        return jr_fail(j, "a ',' or ']' was expected");
    }
    j->depth--;
    return 0;
}

/* an arena vector of elements of size bytes */
struct vec {
    void *v;
    size_t n, cap, size;
};

/* room for one more element in an arena vector (old storage is left in the arena) */
static inline void *
jr_vec_push(struct arena *a, struct vec *x)
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

#endif
