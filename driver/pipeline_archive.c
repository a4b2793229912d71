/*
 * pipeline_archive.c - an archive's members as inputs: each member that is a report, or is
 * named like one, is a row of its own ("archive!member"); the others are counted in the
 * archive's own row, which is skipped (an archive is no report) or rejected (damaged).
 *
 * A row's path names one thing: a member whose path an earlier row of the archive has (two
 * members of one name, a member named like an archive inside it), or that names an existing
 * file (a file "a.tar!b.panic" beside a.tar), gets " (2)", " (3)", ... after it. A reader
 * of one member (--explain, --trace, a member path given as an input) names the members the
 * same way, and takes the path as the outputs show it too (rep_path_shown()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "driver/pipeline_int.h"
#include "ingest/ing.h"
#include "report/rep.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hindex.h"
#include "util/xalloc.h"

/* the row paths an archive has given, and the paths its members' names collided with; for
 * each, the next " (N)" to try when another member bears that name */
struct pathset {
    char **v;
    unsigned *next;
    size_t n, cap, ncap;
    struct hindex ix;
};

struct actx {
    const struct pipeline_stage *st;
    struct arena *a; /* the consuming thread's: each member's report, in turn */
    size_t rows, other;
    const char *want;     /* pipeline_read_member(): the member wanted, else NULL */
    const char *want_key; /* ... without a " (N)" at its end: members that may bear on it */
    size_t want_keylen;
    struct kpt_report *out, *out_b; /* ... read into them */
    int *out_signed;
    int found;
    struct pathset seen;
    struct buf path, shown; /* the row's path; as the outputs show it */
};

struct pkey {
    const struct pathset *s;
    const char *p;
};

static int
same_path(const void *ctx, size_t i)
{
    const struct pkey *k = ctx;

    return !strcmp(k->s->v[i], k->p);
}

/* p's index in s, or SIZE_MAX */
static size_t
pathset_find(const struct pathset *s, const char *p)
{
    struct pkey k = { s, p };

    return hindex_find(&s->ix, XXH3_64bits(p, strlen(p)), same_path, &k);
}

static size_t
pathset_add(struct pathset *s, const char *p)
{
    VEC_GROW(s->v, s->n + 1, s->cap);
    VEC_GROW(s->next, s->n + 1, s->ncap);
    s->v[s->n] = xstrdup(p);
    s->next[s->n] = 2;
    hindex_add(&s->ix, XXH3_64bits(p, strlen(p)), s->n);
    return s->n++;
}

static void
pathset_release(struct pathset *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    free(s->next);
    hindex_release(&s->ix);
}

/* 1 when a file has path p (asked only of a name without a ".." component: a member's name
 * is never a way out of its archive's folder) */
static int
names_file(const char *p)
{
    struct stat st;
    const char *q;

    for (q = p; (q = strstr(q, "..")); q += 2)
        if ((q == p || q[-1] == '/' || q[-1] == '!') && (!q[2] || q[2] == '/'))
            return 0;
    return lstat(p, &st) == 0;
}

/* the row path of member path p: p, or p with the first " (N)" no row and no file has.
 * The search for p's N starts where the last one for p ended: 100,000 members of one name
 * cost 100,000 tries, not 5 billion */
static const char *
row_path(struct actx *c, const char *p)
{
    size_t b = pathset_find(&c->seen, p);
    unsigned k;

    buf_reset(&c->path);
    buf_adds(&c->path, p);
    if (b == SIZE_MAX) {
        if (!names_file(p)) {
            pathset_add(&c->seen, p);
            return c->path.data;
        }
        b = pathset_add(&c->seen, p); /* a file's path: taken, never a row's */
    }
    for (k = c->seen.next[b];; k++) {
        buf_reset(&c->path);
        buf_addf(&c->path, "%s (%u)", p, k);
        if (pathset_find(&c->seen, c->path.data) == SIZE_MAX && !names_file(c->path.data))
            break;
    }
    c->seen.next[b] = k + 1;
    pathset_add(&c->seen, c->path.data);
    return c->path.data;
}

/* pipeline_read_member(): 1 when p is the path wanted, as given or as the outputs show it */
static int
is_wanted(struct actx *c, const char *p)
{
    if (!strcmp(p, c->want))
        return 1;
    buf_reset(&c->shown);
    rep_path_shown(&c->shown, p);
    return !strcmp(c->shown.data, c->want);
}

/* pipeline_read_member(): 0 when member path p cannot be, nor bear on, the path wanted */
static int
may_bear(struct actx *c, const char *p)
{
    if (!strncmp(p, c->want_key, c->want_keylen))
        return 1;
    buf_reset(&c->shown);
    rep_path_shown(&c->shown, p);
    return !strncmp(c->shown.data, c->want_key, c->want_keylen);
}

static int
on_member(const struct ing_member *m, void *ctx)
{
    struct actx *c = ctx;
    struct pipeline_input in = { m->path, m->data, m->len, m->why, m };
    struct kpt_report r, b, *rp = c->want ? c->out : &r, *bp = c->want ? c->out_b : &b;
    const char *path;
    int ret, is_signed, *sp = c->want ? c->out_signed : &is_signed;

    if (c->want && !may_bear(c, m->path))
        return 0;
    arena_clear(c->a);
    ret = read_one(c->st, c->a, &in, rp, bp, sp);
    if (ret == READ_EMPTY && !c->want)
        return 0; /* the plan: nothing to learn from it */
    if (ret == READ_OTHER) {
        c->other++;
        if (!c->want || !is_wanted(c, m->path))
            return 0;
        /* asked for by name: its row says what it is */
        if (!m->link && (!rp->error || rp->status != KPT_ST_SKIPPED))
            rp->error = "no diagnostic report (an archive member counted with the others)";
        read_one_finish(c->st, c->a, rp, bp, sp);
        c->found = 1;
        return 1;
    }
    c->rows++;
    path = m->member ? row_path(c, m->path) : m->path; /* a lone stream's row is the file's */
    rp->path = arena_strdup(c->a, path);
    if (c->want) {
        if (!is_wanted(c, path))
            return 0;
        c->found = 1;
        return 1;
    }
    return c->st->take(c->st, c->a, rp, bp, is_signed);
}

static void
actx_release(struct actx *c)
{
    pathset_release(&c->seen);
    buf_release(&c->path);
    buf_release(&c->shown);
}

/* the archive's own row, once its members' were taken */
static int
archive_row(struct actx *c, const char *path, const struct ing_archive_stats *st)
{
    struct kpt_report r, b;

    arena_clear(c->a);
    kpt_report_init(&r, c->a, path);
    if (st->damage) {
        r.status = KPT_ST_REJECTED;
        r.error = arena_printf(c->a,
                               "archive (%s) damaged or over a limit after %zu members: %s; "
                               "%zu members listed, %zu other members",
                               st->kind, st->damage_after, st->damage, c->rows, c->other);
    } else {
        r.status = KPT_ST_SKIPPED;
        r.error = arena_printf(c->a,
                               "archive (%s) of %zu members: %zu listed as rows of their own "
                               "(archive!member), %zu other members (no diagnostic report)",
                               st->kind, st->members, c->rows, c->other);
    }
    return c->st->take(c->st, c->a, &r, &b, 0);
}

int
pipeline_archive(const struct pipeline_stage *stage, struct arena *a, const char *path,
                 const void *data, size_t len)
{
    const struct kpt_limits *lim = &stage->cx->o->lim;
    struct ing_archive_stats st;
    struct actx c;
    int ret;

    memset(&st, 0, sizeof(st));
    memset(&c, 0, sizeof(c));
    c.st = stage;
    c.a = a;
    ret = data ? ing_archive_read_mem(data, len, path, lim, on_member, &c, &st)
               : ing_archive_read(path, lim, on_member, &c, &st);
    if (ret == KPT_E_IO || (ret != KPT_E_FORMAT && stage->halt && *stage->halt))
        ret = KPT_E_IO;
    else if (ret != KPT_E_FORMAT)
        ret = st.raw ? 0 : archive_row(&c, path, &st); /* a lone stream: its one row given */
    actx_release(&c);
    free(st.damage);
    return ret;
}

/* the length of path without a " (N)" at its end */
static size_t
want_key(const char *path)
{
    size_t n = strlen(path), k = n;

    if (!n || path[n - 1] != ')')
        return n;
    for (k = n - 1; k > 0 && path[k - 1] >= '0' && path[k - 1] <= '9'; k--)
        ;
    if (k == n - 1 || k < 2 || path[k - 1] != '(' || path[k - 2] != ' ')
        return n;
    return k - 2;
}

int
pipeline_read_member(const struct pipeline_stage *stage, struct arena *a, const char *path,
                     struct kpt_report *r, struct kpt_report *b, int *is_signed)
{
    struct buf file = BUF_INIT;
    const char *bang;
    int ret = -1;

    /* the archive is the longest prefix before a '!' that is a file (names may hold '!') */
    for (bang = strrchr(path, '!'); bang && ret < 0;) {
        struct ing_archive_stats st;
        struct actx c;

        buf_reset(&file);
        buf_add(&file, path, (size_t)(bang - path));
        memset(&st, 0, sizeof(st));
        memset(&c, 0, sizeof(c));
        c.st = stage;
        c.a = a;
        c.want = path;
        c.want_keylen = want_key(path);
        c.want_key = path;
        c.out = r;
        c.out_b = b;
        c.out_signed = is_signed;
        if (ing_archive_read(file.data, &stage->cx->o->lim, on_member, &c, &st) != KPT_E_FORMAT &&
            c.found)
            ret = 0;
        actx_release(&c);
        free(st.damage);
        while (--bang > path && *bang != '!')
            ;
        if (bang <= path)
            bang = NULL;
    }
    buf_release(&file);
    return ret;
}
