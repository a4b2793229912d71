/*
 * clu_table.c - the cluster table: one entry per signature, memory bounded per cluster.
 */
#include <stdlib.h>
#include <string.h>

#include "model/fields.h"
#include "cluster/clu.h"
#include "util/hindex.h"
#include "util/xalloc.h"

#define REP_FRAMES_MAX 64 /* frames kept of the representative */

struct clu_table {
    int keep_members;
    struct kpt_cluster *v; /* dense array of clusters */
    size_t n, cap;
    struct hindex ix; /* by id */
};

struct clu_table *
clu_table_new(int keep_members)
{
    struct clu_table *t = xcalloc(1, sizeof(*t));

    t->keep_members = keep_members;
    return t;
}

struct clu_table *
clu_table_new_like(const struct clu_table *t)
{
    return clu_table_new(t->keep_members);
}

void
clu_table_free(struct clu_table *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->n; i++)
        kpt_cluster_release(&t->v[i]);
    free(t->v);
    hindex_release(&t->ix);
    free(t);
}

struct find {
    const struct clu_table *t;
    uint64_t id;
};

static int
same_id(const void *ctx, size_t i)
{
    const struct find *f = ctx;

    return f->t->v[i].id == f->id;
}

static struct kpt_cluster *
lookup(struct clu_table *t, uint64_t id, int *fresh)
{
    struct find f = { t, id };
    size_t i = hindex_find(&t->ix, hindex_mix(id), same_id, &f);
    struct kpt_cluster *c;

    if (i != SIZE_MAX) {
        *fresh = 0;
        return &t->v[i];
    }
    VEC_GROW(t->v, t->n + 1, t->cap);
    c = &t->v[t->n];
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->rep_when = INT64_MAX;
    hindex_add(&t->ix, hindex_mix(id), t->n++);
    *fresh = 1;
    return c;
}

static char *
dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* the representative (SIGNATURES.md §6): the most complete member, most frames, then most
 * named, then the earliest, ties by path; a state's clusters are compared the same way */
static int
rep_better(size_t frames, size_t named, int64_t when, const char *path, const struct kpt_cluster *c)
{
    if (frames != c->rep_frames_all)
        return frames > c->rep_frames_all;
    if (named != c->rep_named)
        return named > c->rep_named;
    if (when != c->rep_when)
        return when < c->rep_when;
    return strcmp(path, c->rep_path) < 0;
}

static void
set_representative(struct kpt_cluster *c, const struct kpt_report *r)
{
    struct arena *a = arena_new(4096);
    size_t i, n = r->nframes < REP_FRAMES_MAX ? r->nframes : REP_FRAMES_MAX;

    for (i = 0; i < c->rep_nframes; i++)
        free(c->rep_frames[i]);
    free(c->rep_frames);
    free(c->rep_path);
    free(c->message);
    c->rep_path = xstrdup(r->path);
    c->message = xstrdup(r->panic_template ? r->panic_template : "");
    c->rep_frames = xcalloc(n ? n : 1, sizeof(*c->rep_frames));
    for (i = 0; i < n; i++)
        c->rep_frames[i] = xstrdup(kpt_frame_display(a, &r->frames[i]));
    c->rep_nframes = n;
    c->rep_frames_all = r->nframes;
    c->rep_named = r->nresolved;
    arena_free(a);
}

static void
add_example(struct kpt_cluster *c, const char *path)
{
    size_t i, pos;

    /* keep the KPT_EXAMPLES smallest paths in byte order: independent of input order */
    for (pos = 0; pos < c->nexamples && strcmp(c->examples[pos], path) < 0; pos++)
        ;
    if (pos < c->nexamples && !strcmp(c->examples[pos], path))
        return;
    if (pos >= KPT_EXAMPLES)
        return;
    if (c->nexamples == KPT_EXAMPLES)
        free(c->examples[--c->nexamples]);
    for (i = c->nexamples; i > pos; i--)
        c->examples[i] = c->examples[i - 1];
    c->examples[pos] = xstrdup(path);
    c->nexamples++;
}

void
clu_add(struct clu_table *t, const struct kpt_report *r)
{
    int fresh;
    struct kpt_cluster *c;
    uint64_t id = r->sig_key;
    int64_t when = r->has_when ? r->when : INT64_MAX;

    c = lookup(t, id, &fresh);
    if (fresh) {
        c->id_hex = xstrdup(r->sig_id);
        c->signature = xstrdup(r->signature);
        c->panic_class = xstrdup(r->panic_class);
        c->culprit = dup_or_null(r->culprit);
        c->coarse_id = dup_or_null(r->coarse_id);
        c->coarse = dup_or_null(r->coarse);
        c->fields = dup_or_null(r->fields);
        set_representative(c, r);
        c->rep_when = when;
        c->first_seq = r->seq;
        c->culprit_seq = r->culprit ? r->seq : SIZE_MAX;
    } else if (rep_better(r->nframes, r->nresolved, when, r->path, c)) {
        set_representative(c, r);
        c->rep_when = when;
    }
    if (!c->culprit && r->culprit) {
        c->culprit = xstrdup(r->culprit);
        c->culprit_seq = r->seq;
    }
    c->count++;
    if (r->has_when) {
        if (!c->has_seen || r->when < c->first_seen)
            c->first_seen = r->when;
        if (!c->has_seen || r->when > c->last_seen)
            c->last_seen = r->when;
        c->has_seen = 1;
        c->seen_local |= r->when_local;
    }
    kpt_fields_add(kpt_cluster_fields, c, r);
    add_example(c, r->path);
    if (t->keep_members) {
        VEC_GROW(c->members, c->nmembers + 1, c->capmembers);
        c->members[c->nmembers++] = r->seq;
    }
}


/* ---- merging states (kptrace-batch merge) ---- */

static void
copy_rep(struct kpt_cluster *c, const struct kpt_cluster *src)
{
    size_t i;

    for (i = 0; i < c->rep_nframes; i++)
        free(c->rep_frames[i]);
    free(c->rep_frames);
    free(c->rep_path);
    free(c->message);
    c->rep_path = xstrdup(src->rep_path ? src->rep_path : "");
    c->message = xstrdup(src->message ? src->message : "");
    c->rep_when = src->rep_when;
    c->rep_frames_all = src->rep_frames_all;
    c->rep_named = src->rep_named;
    c->rep_frames = xcalloc(src->rep_nframes + 1, sizeof(*c->rep_frames));
    for (i = 0; i < src->rep_nframes; i++)
        c->rep_frames[i] = xstrdup(src->rep_frames[i]);
    c->rep_nframes = src->rep_nframes;
}

static void
replace(char **dst, const char *src)
{
    free(*dst);
    *dst = src ? xstrdup(src) : NULL;
}

void
clu_table_merge(struct clu_table *t, const struct kpt_cluster *src, const size_t *map, size_t nmap)
{
    int fresh;
    struct kpt_cluster *c = lookup(t, src->id, &fresh);
    size_t first = !map ? src->first_seq : src->first_seq < nmap ? map[src->first_seq] : SIZE_MAX;
    size_t cul = !map ? src->culprit_seq : src->culprit_seq < nmap ? map[src->culprit_seq] : SIZE_MAX;
    size_t i;
    char why[8];

    if (fresh) {
        c->id_hex = xstrdup(src->id_hex);
        c->signature = xstrdup(src->signature);
        c->panic_class = xstrdup(src->panic_class);
        c->fields = src->fields ? xstrdup(src->fields) : NULL;
        c->first_seq = c->culprit_seq = SIZE_MAX;
        copy_rep(c, src);
    } else if (rep_better(src->rep_frames_all, src->rep_named, src->rep_when,
                          src->rep_path ? src->rep_path : "", c)) {
        copy_rep(c, src);
    }
    /* what a single run takes from the first report, and the first report with a culprit */
    if (first < c->first_seq) {
        c->first_seq = first;
        replace(&c->coarse_id, src->coarse_id);
        replace(&c->coarse, src->coarse);
    }
    if (src->culprit && cul < c->culprit_seq) {
        c->culprit_seq = cul;
        replace(&c->culprit, src->culprit);
    }
    c->count += src->count;
    if (src->has_seen) {
        if (!c->has_seen || src->first_seen < c->first_seen)
            c->first_seen = src->first_seen;
        if (!c->has_seen || src->last_seen > c->last_seen)
            c->last_seen = src->last_seen;
        c->has_seen = 1;
        c->seen_local |= src->seen_local;
    }
    kpt_fields_merge(kpt_cluster_fields, c, src, fresh, why, sizeof(why)); /* no settings */
    for (i = 0; i < src->nexamples; i++)
        add_example(c, src->examples[i]);
    if (t->keep_members)
        for (i = 0; i < src->nmembers; i++) {
            VEC_GROW(c->members, c->nmembers + 1, c->capmembers);
            c->members[c->nmembers++] = !map ? src->members[i]
                                        : src->members[i] < nmap ? map[src->members[i]] : SIZE_MAX;
        }
}

static int
cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;

    return a < b ? -1 : a > b;
}

static int
cmp_clusters(const void *x, const void *y)
{
    const struct kpt_cluster *a = x, *b = y;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

const struct kpt_cluster *
clu_table_result(struct clu_table *t, size_t *n)
{
    size_t i;

    /* sorting moves clusters: rebuild the index afterwards */
    for (i = 0; i < t->n; i++) {
        kpt_fields_sort(kpt_cluster_fields, &t->v[i]);
        if (t->v[i].nmembers > 1)
            qsort(t->v[i].members, t->v[i].nmembers, sizeof(size_t), cmp_size);
    }
    if (t->n > 1)
        qsort(t->v, t->n, sizeof(*t->v), cmp_clusters);
    hindex_clear(&t->ix);
    for (i = 0; i < t->n; i++)
        hindex_add(&t->ix, hindex_mix(t->v[i].id), i);
    *n = t->n;
    return t->v;
}
