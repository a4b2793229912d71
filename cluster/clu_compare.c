/*
 * clu_compare.c - --compare-rules: which clusters of one rule set another would merge,
 * split or rename. Memory grows with the distinct pairs of keys, not with the reports.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/clu.h"
#include "util/hindex.h"
#include "util/xalloc.h"

struct pair {
    uint64_t a, b;
    struct kpt_rpair p;
};

struct clu_compare {
    struct pair *v;
    size_t n, cap;
    struct hindex ix;
    struct kpt_rpair *out;
    struct kpt_rules_diff diff;
};

struct clu_compare *
clu_compare_new(void)
{
    return xcalloc(1, sizeof(struct clu_compare));
}

void
clu_compare_free(struct clu_compare *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->n; i++) {
        free(c->v[i].p.a_id);
        free(c->v[i].p.a_sig);
        free(c->v[i].p.b_id);
        free(c->v[i].p.b_sig);
        free(c->v[i].p.example);
    }
    free(c->v);
    free(c->out);
    hindex_release(&c->ix);
    free(c);
}

struct key {
    const struct clu_compare *c;
    uint64_t a, b;
};

static int
same_pair(const void *ctx, size_t i)
{
    const struct key *k = ctx;

    return k->c->v[i].a == k->a && k->c->v[i].b == k->b;
}

void
clu_compare_add(struct clu_compare *c, const struct kpt_report *a, const struct kpt_report *b)
{
    struct key k = { c, a->sig_key, b->sig_key };
    uint64_t h = hindex_mix(a->sig_key ^ hindex_mix(b->sig_key));
    size_t i = hindex_find(&c->ix, h, same_pair, &k);
    struct pair *p;

    if (i == SIZE_MAX) {
        VEC_GROW(c->v, c->n + 1, c->cap);
        p = &c->v[c->n];
        memset(p, 0, sizeof(*p));
        p->a = a->sig_key;
        p->b = b->sig_key;
        p->p.a_id = xstrdup(a->sig_id);
        p->p.a_sig = xstrdup(a->signature);
        p->p.b_id = xstrdup(b->sig_id);
        p->p.b_sig = xstrdup(b->signature);
        p->p.example = xstrdup(a->path);
        hindex_add(&c->ix, h, c->n++);
    } else {
        p = &c->v[i];
        if (strcmp(a->path, p->p.example) < 0) {
            free(p->p.example);
            p->p.example = xstrdup(a->path);
        }
    }
    p->p.count++;
}

static int
cmp_u64(uint64_t x, uint64_t y)
{
    return x < y ? -1 : x > y;
}

static int
by_a(const void *x, const void *y)
{
    const struct pair *p = x, *q = y;

    return cmp_u64(p->a, q->a) ? cmp_u64(p->a, q->a) : cmp_u64(p->b, q->b);
}

static int
by_b(const void *x, const void *y)
{
    const struct pair *p = *(const struct pair *const *)x, *q = *(const struct pair *const *)y;

    return cmp_u64(p->b, q->b) ? cmp_u64(p->b, q->b) : cmp_u64(p->a, q->a);
}

static int
by_change(const void *x, const void *y)
{
    const struct kpt_rpair *p = x, *q = y;
    int c;

    if (p->change != q->change)
        return p->change > q->change ? -1 : 1; /* the changes first */
    if ((c = strcmp(p->a_id, q->a_id)))
        return c;
    if (p->count != q->count)
        return p->count > q->count ? -1 : 1;
    return strcmp(p->b_id, q->b_id);
}

const struct kpt_rules_diff *
clu_compare_result(struct clu_compare *c, const char *rules_b)
{
    struct pair **pb = xcalloc(c->n + 1, sizeof(*pb));
    size_t *fan_a = xcalloc(c->n + 1, sizeof(*fan_a)), *fan_b = xcalloc(c->n + 1, sizeof(*fan_b));
    size_t i, j;

    if (c->n > 1)
        qsort(c->v, c->n, sizeof(*c->v), by_a);
    /* how many B keys each A key meets (runs of equal a), and the reverse */
    for (i = 0; i < c->n; i = j) {
        for (j = i; j < c->n && c->v[j].a == c->v[i].a; j++)
            ;
        for (size_t k = i; k < j; k++)
            fan_a[k] = j - i;
        c->diff.clusters_a++;
    }
    for (i = 0; i < c->n; i++)
        pb[i] = &c->v[i];
    if (c->n > 1)
        qsort(pb, c->n, sizeof(*pb), by_b);
    for (i = 0; i < c->n; i = j) {
        for (j = i; j < c->n && pb[j]->b == pb[i]->b; j++)
            ;
        for (size_t k = i; k < j; k++)
            fan_b[pb[k] - c->v] = j - i;
        c->diff.clusters_b++;
    }
    c->out = xcalloc(c->n + 1, sizeof(*c->out));
    for (i = 0; i < c->n; i++) {
        struct kpt_rpair *o = &c->out[i];

        *o = c->v[i].p;
        o->change = fan_a[i] > 1 && fan_b[i] > 1 ? KPT_RC_REGROUPED
                    : fan_a[i] > 1               ? KPT_RC_SPLIT
                    : fan_b[i] > 1               ? KPT_RC_MERGED
                    : c->v[i].a == c->v[i].b     ? KPT_RC_SAME
                                                 : KPT_RC_RENAMED;
        c->diff.by_change[o->change] += o->count;
    }
    if (c->n > 1)
        qsort(c->out, c->n, sizeof(*c->out), by_change);
    c->diff.pairs = c->out;
    c->diff.npairs = c->n;
    c->diff.rules_b = rules_b;
    free(pb);
    free(fan_a);
    free(fan_b);
    return &c->diff;
}
