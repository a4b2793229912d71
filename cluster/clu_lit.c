/*
 * clu_lit.c - the literal text a class pattern cannot match without (SIGNATURES.md §8), so
 * that a message is tried only against the rows it could match.
 *
 * A pattern (POSIX ERE, no top-level '|') matches a concatenation of its atoms' matches. An
 * unquantified run of literal characters is then a substring of every match, and of the
 * message; a run right after a leading '^' is its prefix (REG_NEWLINE is not set: '^' is
 * the start of the message alone); an unquantified group whose alternatives are all
 * non-empty literals puts one of them in the message. Those are the requirements. Whatever
 * is not certainly literal (brackets, '.', escapes other than of a special character, any
 * byte outside printable ASCII, a quantified atom) only ends a run: a requirement is never
 * invented, so a row the filter passes over is one regexec() would refuse, and the first
 * match, hence the class, is the same. A pattern read any other way (a top-level '|', an
 * unbalanced group or bracket) has no requirement: it is always tried.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/clu_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

/* the characters that mean something in an ERE outside brackets; escaped, each is itself */
#define SPECIAL ".[]()*+?{}|^$\\"

static int
quantifier(char c)
{
    return c == '*' || c == '+' || c == '?' || c == '{';
}

/* the literal character at p (a plain one, or an escaped special) into *c and its width,
 * or 0 */
static size_t
literal(const char *p, char *c)
{
    if (p[0] == '\\')
        return p[1] && strchr(SPECIAL, p[1]) ? (*c = p[1], 2) : 0;
    if (p[0] >= 0x20 && p[0] < 0x7f && !strchr(SPECIAL, p[0]))
        return *c = p[0], 1;
    return 0;
}

const char *
clu_skip_bracket(const char *p)
{
    p++;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    while (*p && *p != ']') {
        if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
            char end[3] = { p[1], ']', '\0' };
            const char *q = strstr(p + 2, end);

            if (!q)
                return NULL;
            p = q + 2;
        } else {
            p++;
        }
    }
    return *p ? p + 1 : NULL;
}

/* the ')' closing the group opened at p, or NULL */
static const char *
group_end(const char *p)
{
    size_t depth = 0;

    for (; *p; p++) {
        if (*p == '\\') {
            if (!*++p)
                return NULL;
        } else if (*p == '[') {
            if (!(p = clu_skip_bracket(p)))
                return NULL;
            p--;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && !--depth) {
            return p;
        }
    }
    return NULL;
}

/* past the interval "{m,n}" at p, or NULL when it is anything else */
static const char *
interval_end(const char *p, const char *end)
{
    for (p++; p < end && ((*p >= '0' && *p <= '9') || *p == ','); p++)
        ;
    return p < end && *p == '}' ? p + 1 : NULL;
}

static void
add_req(struct clu_lit *l, int at_start, struct strv *opts)
{
    struct clu_lit_req *q;

    l->req = xrealloc(l->req, st_mult(l->nreq + 1, sizeof(*l->req)));
    q = &l->req[l->nreq++];
    q->at_start = at_start;
    q->opt = *opts; /* taken */
    memset(opts, 0, sizeof(*opts));
}

static void
flush_run(struct clu_lit *l, struct buf *run, int *run_at_start)
{
    struct strv one = STRV_INIT;

    if (!run->len)
        return;
    strv_push(&one, run->data);
    add_req(l, *run_at_start, &one);
    buf_reset(run);
    *run_at_start = 0;
}

/* the group's text g..e (between its parentheses) when every alternative is a non-empty
 * literal: each into opts; else opts left empty */
static void
group_literals(const char *g, const char *e, struct strv *opts)
{
    struct buf alt = BUF_INIT;
    const char *p = g;
    size_t w;
    char c;

    for (;;) {
        if (p == e || *p == '|') {
            if (!alt.len)
                break;
            strv_push(opts, alt.data);
            buf_reset(&alt);
            if (p == e) {
                buf_release(&alt);
                return;
            }
            p++;
            continue;
        }
        if (!(w = literal(p, &c)) || p + w > e || (p + w < e && quantifier(p[w])))
            break;
        buf_addc(&alt, c);
        p += w;
    }
    buf_release(&alt);
    strv_release(opts);
}

/* the first top-level '|' of p..end, or NULL */
static const char *
top_bar(const char *p, const char *end)
{
    const char *e;

    for (; p < end; p++) {
        if (*p == '|')
            return p;
        if (*p == '\\' && p + 1 < end)
            p++;
        else if (*p == '(' && (e = group_end(p)) != NULL)
            p = e;
        else if (*p == '[' && (e = clu_skip_bracket(p)) != NULL)
            p = e - 1;
    }
    return NULL;
}

/* the requirements of the sequence p..end (no top-level '|': the caller looked) into l;
 * start: it begins where the subject does. KPT_E_PARSE when it reads some other way (l
 * partial) */
static int
scan(struct clu_lit *l, const char *p, const char *end, int start)
{
    struct buf run = BUF_INIT;
    const char *e;
    int run_at_start = 0, ret = 0;
    size_t w;
    char c;

    if (p < end && quantifier(*p))
        return KPT_E_PARSE; /* a quantifier of nothing: left to regcomp() */
    while (p < end && !ret) {
        if (*p == '(') {
            struct strv opts = STRV_INIT;

            if (!(e = group_end(p)) || e >= end) {
                ret = KPT_E_PARSE;
                break;
            }
            flush_run(l, &run, &run_at_start);
            if (e + 1 < end && quantifier(e[1]))
                ; /* a group that may be absent or repeated: nothing certain */
            else if (top_bar(p + 1, e))
                group_literals(p + 1, e, &opts); /* one of its alternatives */
            else
                ret = scan(l, p + 1, e, start); /* its own sequence, here */
            if (opts.n)
                add_req(l, start, &opts);
            start = 0;
            p = e + 1;
            continue;
        }
        if (*p == '[' || *p == '{') {
            if (!(e = *p == '[' ? clu_skip_bracket(p) : interval_end(p, end)) || e > end) {
                ret = KPT_E_PARSE;
                break;
            }
            p = e;
        } else if ((w = literal(p, &c)) != 0 && p + w <= end &&
                   !(p + w < end && quantifier(p[w]))) {
            if (!run.len)
                run_at_start = start;
            buf_addc(&run, c);
            start = 0;
            p += w;
            continue;
        } else if (*p == '^' && start) {
            p++; /* the start again: still the start */
            continue;
        } else {
            p +=
                (*p == '\\' && p + 1 < end) ? 2 : 1; /* '.', '$', an escape, a byte outside ASCII */
        }
        flush_run(l, &run, &run_at_start);
        start = 0;
    }
    flush_run(l, &run, &run_at_start);
    buf_release(&run);
    return ret;
}

void
clu_lit_compile(struct clu_lit *l, const char *pat)
{
    const char *end = pat + strlen(pat);

    memset(l, 0, sizeof(*l));
    /* alternatives at the top: no text is certain */
    if (top_bar(pat, end) || (*pat == '^' ? scan(l, pat + 1, end, 1) : scan(l, pat, end, 0)) < 0)
        clu_lit_free(l); /* no requirement: always tried */
}

int
clu_lit_may_match(const struct clu_lit *l, const char *s, size_t n)
{
    size_t i, k;

    for (i = 0; i < l->nreq; i++) {
        const struct clu_lit_req *q = &l->req[i];
        int ok = 0;

        for (k = 0; k < q->opt.n && !ok; k++) {
            const char *o = q->opt.v[k];

            if (q->at_start) {
                size_t on = strlen(o);

                ok = on <= n && s[0] == o[0] && !memcmp(s, o, on);
            } else {
                ok = strstr(s, o) != NULL;
            }
        }
        if (!ok)
            return 0;
    }
    return 1;
}

void
clu_lit_free(struct clu_lit *l)
{
    size_t i;

    for (i = 0; i < l->nreq; i++)
        strv_release(&l->req[i].opt);
    free(l->req);
    memset(l, 0, sizeof(*l));
}
