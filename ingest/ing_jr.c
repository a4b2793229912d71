/*
 * ing_jr.c - the small JSON reader of the stackshot (see ing_jr.h).
 */
#include "ingest/ing_jr.h"

#include "ingest/ing_int.h"
#include "util/err.h"

int
jr_fail(struct jr *j, const char *why)
{
    if (!j->err)
        j->err = j->p >= j->end ? "the stackshot is cut short" : why;
    return KPT_E_PARSE;
}

/* past the string whose opening quote is at *pp (escapes skipped whole); KPT_E_PARSE with *pp at
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
    return KPT_E_PARSE;
}

/* a string's raw bytes (escapes kept) at *s, *n; j->p after the closing quote */
int
jr_raw_string(struct jr *j, const char **s, size_t *n)
{
    jr_ws(j);
    if (j->p >= j->end || *j->p != '"')
        return jr_fail(j, "a string was expected");
    *s = j->p + 1;
    if (past_string(&j->p, j->end))
        return jr_fail(j, "a string is not closed");
    *n = (size_t)(j->p - 1 - *s);
    return 0;
}

/* a string body s[0..n) decoded into the arena (at most max bytes; NUL becomes '?') */
const char *
jr_decoded(struct arena *a, const char *s, size_t n, size_t max)
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

const char *
jr_string(struct jr *j, struct arena *a)
{
    const char *s;
    size_t n;

    return jr_raw_string(j, &s, &n) ? NULL : jr_decoded(a, s, n, JR_STR_MAX);
}

int
jr_number(struct jr *j, uint64_t *v, int *ok)
{
    const char *p;
    uint64_t x = 0;
    int over = 0;

    jr_ws(j);
    p = j->p;
    *ok = 0;
    if (p >= j->end || !(*p >= '0' && *p <= '9'))
        return jr_skip_value(j);
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
        return jr_skip_value(j); /* the rest of a real number */
    *v = x;
    *ok = !over;
    return 0;
}

/* what ends a bare value (numbers, true, false, null) */
static const unsigned char bare_end[256] = {
    [0] = 1, [','] = 1, [']'] = 1, ['}'] = 1, [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1,
};

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
int
jr_skip_value(struct jr *j)
{
    const char *p = j->p, *end = j->end;
    unsigned base = j->depth;
    uint64_t objs = 0; /* bit (depth - base - 1): that level is an object */
    const char *why;

#define LEVEL_IS_OBJ() ((objs >> (j->depth - base - 1)) & 1u)
value:
    p = jr_past_ws(p, end);
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
        p = jr_past_ws(p, end);
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
    p = jr_past_ws(p, end);
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
    p = jr_past_ws(p, end);
    if (p >= end || *p != '"') {
        why = "a string was expected";
        goto bad;
    }
    if (past_string(&p, end)) {
        why = "a string is not closed";
        goto bad;
    }
    p = jr_past_ws(p, end);
    if (p >= end || *p != ':') {
        why = "an object member is malformed";
        goto bad;
    }
    p++;
    goto value;
bad:
    j->p = p;
    return jr_fail(j, why);
#undef LEVEL_IS_OBJ
}

int
jr_kept_string(struct jr *j, const char **s, size_t *n, int *cut)
{
    const char *q;

    *s = NULL;
    *n = 0;
    jr_ws(j);
    if ((q = j->p) >= j->end || *j->p != '"')
        return jr_skip_value(j);
    if (jr_raw_string(j, s, n)) {
        *s = q + 1;
        *n = (size_t)(j->end - *s);
        *cut = 1;
        return KPT_E_PARSE;
    }
    return 0;
}
