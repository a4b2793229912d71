/*
 * clu_table.c - the cluster table: one entry per signature, memory bounded per cluster.
 *
 * What a cluster keeps costs its bytes, not a malloc each: its identity (id, signature,
 * keys, fields) is one block, its representative (frames, path, message) another, and the
 * values other clusters share (histogram values such as builds, models and formats; the
 * class; the culprit) are the table's, kept once in a pool. The table therefore releases
 * its clusters itself (cluster_release()), never with kpt_cluster_release().
 */
#include <stdlib.h>
#include <string.h>

#include "model/fields.h"
#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "util/hindex.h"
#include "util/xalloc.h"

#define REP_FRAMES_MAX 64 /* frames kept of the representative */
#define FIELDS_MAX 32     /* histograms of kpt_cluster_fields past this many are not pooled */

struct clu_table {
    int keep_members;
    struct kpt_cluster *v; /* dense array of clusters */
    size_t n, cap;
    uint32_t *slot; /* by id: open addressing, index + 1 into v (0: empty), at most half full */
    size_t nslot;
    struct clu_pool pool;
    unsigned char pooled[FIELDS_MAX]; /* which kpt_cluster_fields' values are the pool's */
};

struct clu_table *
clu_table_new(int keep_members)
{
    struct clu_table *t = xcalloc(1, sizeof(*t));
    const struct kpt_field *f;
    size_t k;

    t->keep_members = keep_members;
    /* a histogram's values are pooled unless they carry the cluster's own keys (its fine
     * keys, its hang sites and services): those no other cluster shares */
    for (f = kpt_cluster_fields, k = 0; f->name && k < FIELDS_MAX; f++, k++)
        t->pooled[k] =
            f->type == KPT_FT_HIST && strcmp(f->name, "fine_keys") && strncmp(f->name, "hang_", 5);
    return t;
}

struct clu_table *
clu_table_new_like(const struct clu_table *t)
{
    return clu_table_new(t->keep_members);
}

/* the histograms' entries from n0[k] on (each histogram's count before a report or a merge
 * added to it) take the pool's copy of their value */
static void
pool_new_values(struct clu_table *t, struct kpt_cluster *c, const size_t *n0)
{
    const struct kpt_field *f;
    size_t k, i;

    for (f = kpt_cluster_fields, k = 0; f->name && k < FIELDS_MAX; f++, k++) {
        struct kpt_hist *h;

        if (!t->pooled[k])
            continue;
        h = kpt_field_ptr(f, c);
        for (i = n0[k]; i < h->n; i++) {
            char *own = h->v[i].value;

            h->v[i].value = (char *)clu_pool_str(&t->pool, own);
            free(own);
        }
    }
}

static void
hist_counts(const struct clu_table *t, struct kpt_cluster *c, size_t *n0)
{
    const struct kpt_field *f;
    size_t k;

    for (f = kpt_cluster_fields, k = 0; f->name && k < FIELDS_MAX; f++, k++)
        n0[k] = t->pooled[k] ? ((struct kpt_hist *)kpt_field_ptr(f, c))->n : 0;
}

static void
cluster_release(const struct clu_table *t, struct kpt_cluster *c)
{
    const struct kpt_field *f;
    size_t k, i;

    for (f = kpt_cluster_fields, k = 0; f->name && k < FIELDS_MAX; f++, k++) {
        struct kpt_hist *h = kpt_field_ptr(f, c);

        if (t->pooled[k])
            for (i = 0; i < h->n; i++)
                h->v[i].value = NULL; /* the pool's */
    }
    kpt_fields_release(kpt_cluster_fields, c, 0);
    free(c->id_hex);     /* the identity's block */
    free(c->rep_frames); /* the representative's */
    for (i = 0; i < c->nexamples; i++)
        free(c->examples[i]);
    if (c->capmembers)
        free(c->members);
}

void
clu_table_free(struct clu_table *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->n; i++)
        cluster_release(t, &t->v[i]);
    free(t->v);
    free(t->slot);
    clu_pool_release(&t->pool);
    free(t);
}

/* the index by id: 4 bytes a slot, the ids are the clusters' own (a general hash index
 * keeps each hash beside the index: 16 bytes a slot, 40 a cluster at 100,000) */
static size_t
slot_of(const struct clu_table *t, uint64_t id)
{
    size_t mask = t->nslot - 1, k = hindex_mix(id) & mask;

    while (t->slot[k] && t->v[t->slot[k] - 1].id != id)
        k = (k + 1) & mask;
    return k;
}

static void
index_all(struct clu_table *t)
{
    size_t i;

    memset(t->slot, 0, t->nslot * sizeof(*t->slot));
    for (i = 0; i < t->n; i++)
        t->slot[slot_of(t, t->v[i].id)] = (uint32_t)(i + 1);
}

static struct kpt_cluster *
lookup(struct clu_table *t, uint64_t id, int *fresh)
{
    struct kpt_cluster *c;
    size_t k;

    if (t->nslot && t->slot[k = slot_of(t, id)]) {
        *fresh = 0;
        return &t->v[t->slot[k] - 1];
    }
    if (t->n >= UINT32_MAX - 1)
        abort(); /* 4 billion clusters: memory ran out long before */
    VEC_GROW(t->v, t->n + 1, t->cap);
    c = &t->v[t->n++];
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->rep_when = INT64_MAX;
    if (2 * t->n > t->nslot) {
        t->nslot = t->nslot ? 2 * t->nslot : 64;
        t->slot = xrealloc(t->slot, st_mult(t->nslot, sizeof(*t->slot)));
        index_all(t);
    } else {
        t->slot[slot_of(t, id)] = (uint32_t)t->n;
    }
    *fresh = 1;
    return c;
}

/* one allocation: 'lead' bytes, then copies of in[0..n) (NULL stays NULL) into out[] */
static void *
strings_block(const char *const *in, char **out, size_t n, size_t lead)
{
    size_t i, size = lead;
    char *m, *d;

    for (i = 0; i < n; i++)
        size += in[i] ? strlen(in[i]) + 1 : 0;
    m = xmalloc(size ? size : 1);
    d = m + lead;
    for (i = 0; i < n; i++) {
        out[i] = NULL;
        if (in[i]) {
            size_t len = strlen(in[i]) + 1;

            out[i] = memcpy(d, in[i], len);
            d += len;
        }
    }
    return m;
}

/* the cluster's identity as one block, id_hex first (its start); the arguments may be in
 * the block this one replaces */
static void
set_ident(struct kpt_cluster *c, const char *id_hex, const char *signature, const char *coarse_id,
          const char *coarse, const char *fields)
{
    const char *in[5] = { id_hex ? id_hex : "", signature ? signature : "", coarse_id, coarse,
                          fields };
    char *out[5];

    strings_block(in, out, 5, 0);
    free(c->id_hex);
    c->id_hex = out[0];
    c->signature = out[1];
    c->coarse_id = out[2];
    c->coarse = out[3];
    c->fields = out[4];
}

/*
 * The representative as one block: the frames' pointers (its start), then its path and
 * message. The frames' text is the pool's: clusters of one crash site share their frames
 * ("kernel+0x308"). What a replaced representative leaves in the pool is bounded by the
 * distinct frames of representatives ever chosen, and a representative changes only for a
 * more complete or earlier member.
 */
static void
set_rep(struct clu_pool *p, struct kpt_cluster *c, const char *path, const char *message,
        const char *const *frames, size_t n)
{
    const char *in[2] = { path ? path : "", message ? message : "" };
    char *out[2], **v;
    size_t i;

    v = strings_block(in, out, 2, (n ? n : 1) * sizeof(*v));
    v[0] = NULL;
    for (i = 0; i < n; i++)
        v[i] = (char *)clu_pool_str(p, frames[i] ? frames[i] : "");
    free(c->rep_frames);
    c->rep_frames = v;
    c->rep_nframes = n;
    c->rep_path = out[0];
    c->message = out[1];
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
set_representative(struct clu_table *t, struct kpt_cluster *c, const struct kpt_report *r)
{
    struct arena *a = arena_new(4096);
    size_t i, n = r->nframes < REP_FRAMES_MAX ? r->nframes : REP_FRAMES_MAX;
    const char **fr = arena_alloc(a, (n ? n : 1) * sizeof(*fr));

    for (i = 0; i < n; i++)
        fr[i] = kpt_frame_display(a, &r->frames[i]);
    set_rep(&t->pool, c, r->path, r->panic_template, fr, n);
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

/*
 * The members' seqs, when the table keeps them. Most clusters have one member, the report
 * that made it: its seq is the cluster's first_seq, and members then points there (no
 * allocation: capmembers stays 0) once clu_table_result() has put the clusters where they
 * stay. Until then nothing reads members; a merge (which may move first_seq) or a second
 * member gives the cluster an array of its own.
 */
static void
own_members(struct kpt_cluster *c)
{
    if (c->nmembers && !c->capmembers) {
        c->members = xmalloc(sizeof(*c->members));
        c->members[0] = c->first_seq;
        c->capmembers = 1;
    }
}

static void
add_member_owned(struct kpt_cluster *c, size_t seq)
{
    own_members(c);
    if (!c->capmembers) {
        c->members = xmalloc(sizeof(*c->members));
        c->capmembers = 1;
    }
    VEC_GROW(c->members, c->nmembers + 1, c->capmembers);
    c->members[c->nmembers++] = seq;
}

static void
add_member(struct kpt_cluster *c, size_t seq)
{
    if (!c->nmembers && seq == c->first_seq) {
        c->nmembers = 1;
        c->members = NULL; /* clu_table_result() points it at first_seq */
        return;
    }
    add_member_owned(c, seq);
}

void
clu_add(struct clu_table *t, const struct kpt_report *r)
{
    int fresh;
    struct kpt_cluster *c;
    uint64_t id = r->sig_key;
    int64_t when = r->has_when ? r->when : INT64_MAX;
    size_t n0[FIELDS_MAX];

    c = lookup(t, id, &fresh);
    if (fresh) {
        set_ident(c, r->sig_id, r->signature, r->coarse_id, r->coarse, r->fields);
        c->panic_class = (char *)clu_pool_str(&t->pool, r->panic_class ? r->panic_class : "");
        c->culprit = (char *)clu_pool_str(&t->pool, r->culprit);
        set_representative(t, c, r);
        c->rep_when = when;
        c->first_seq = r->seq;
        c->culprit_seq = r->culprit ? r->seq : SIZE_MAX;
    } else if (rep_better(r->nframes, r->nresolved, when, r->path, c)) {
        set_representative(t, c, r);
        c->rep_when = when;
    }
    if (!c->culprit && r->culprit) {
        c->culprit = (char *)clu_pool_str(&t->pool, r->culprit);
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
    hist_counts(t, c, n0);
    kpt_fields_add(kpt_cluster_fields, c, r);
    pool_new_values(t, c, n0);
    add_example(c, r->path);
    if (t->keep_members)
        add_member(c, r->seq);
}

/* ---- merging states (kptrace-batch merge) ---- */

static void
copy_rep(struct clu_table *t, struct kpt_cluster *c, const struct kpt_cluster *src)
{
    set_rep(&t->pool, c, src->rep_path, src->message, (const char *const *)src->rep_frames,
            src->rep_nframes);
    c->rep_when = src->rep_when;
    c->rep_frames_all = src->rep_frames_all;
    c->rep_named = src->rep_named;
}

/* a state's seq as the merged run's (map NULL: the same run's) */
static size_t
mapped(size_t seq, const size_t *map, size_t nmap)
{
    return !map ? seq : seq < nmap ? map[seq] : SIZE_MAX;
}

/* a group rule of kpt_smerge: the fields it moves, from src into c */
static void
merge_group(struct clu_table *t, struct kpt_cluster *c, const struct kpt_cluster *src, int fresh,
            enum kpt_smerge rule, const size_t *map, size_t nmap)
{
    size_t first = mapped(src->first_seq, map, nmap), cul = mapped(src->culprit_seq, map, nmap), i;

    switch (rule) {
    case KPT_SM_KEY:
        if (fresh) {
            set_ident(c, src->id_hex, src->signature, NULL, NULL, src->fields);
            c->panic_class =
                (char *)clu_pool_str(&t->pool, src->panic_class ? src->panic_class : "");
            c->first_seq = c->culprit_seq = SIZE_MAX;
        }
        break;
    case KPT_SM_REP:
        if (fresh || rep_better(src->rep_frames_all, src->rep_named, src->rep_when,
                                src->rep_path ? src->rep_path : "", c))
            copy_rep(t, c, src);
        break;
    case KPT_SM_FIRST: /* what a single run takes from the first report */
        if (first < c->first_seq) {
            c->first_seq = first;
            set_ident(c, c->id_hex, c->signature, src->coarse_id, src->coarse, c->fields);
        }
        break;
    case KPT_SM_CULPRIT:
        if (src->culprit && cul < c->culprit_seq) {
            c->culprit_seq = cul;
            c->culprit = (char *)clu_pool_str(&t->pool, src->culprit);
        }
        break;
    case KPT_SM_SORTED:
        for (i = 0; i < src->nexamples; i++)
            add_example(c, src->examples[i]);
        break;
    case KPT_SM_APPEND:
        if (t->keep_members)
            for (i = 0; i < src->nmembers; i++)
                add_member_owned(c, mapped(src->members[i], map, nmap));
        break;
    default: break;
    }
}

/* a field rule of kpt_smerge (SUM, MIN, MAX, OR): the row's own field */
static void
merge_field(const struct kpt_scalar *f, struct kpt_cluster *c, const struct kpt_cluster *src)
{
    char *to = (char *)c + f->off;
    const char *from = (const char *)src + f->off;

    if (f->merge == KPT_SM_SUM && f->type == KPT_SC_COUNT) {
        *(size_t *)to += *(const size_t *)from;
    } else if (f->merge == KPT_SM_OR && f->type == KPT_SC_FLAG) {
        *(unsigned char *)to |= *(const unsigned char *)from;
    } else if ((f->merge == KPT_SM_MIN || f->merge == KPT_SM_MAX) && f->type == KPT_SC_TIME) {
        int64_t a = *(int64_t *)to, b = *(const int64_t *)from;

        if (!*((const unsigned char *)src + f->aux))
            return; /* the state does not know it */
        if (!*((unsigned char *)c + f->aux) || (f->merge == KPT_SM_MIN ? b < a : b > a))
            *(int64_t *)to = b;
    } else {
        KPT_BUG("clu_table_merge: no merge for %s", f->key);
    }
}

void
clu_table_merge(struct clu_table *t, const struct kpt_cluster *src, const size_t *map, size_t nmap)
{
    int fresh;
    struct kpt_cluster *c = lookup(t, src->id, &fresh);
    const struct kpt_scalar *f;
    unsigned done = 0;
    size_t n0[FIELDS_MAX];

    own_members(c); /* first_seq may move */
    for (f = kpt_cluster_scalars; f->key; f++) {
        if (f->merge == KPT_SM_NONE || (done & 1u << f->merge))
            continue;
        if (f->merge == KPT_SM_SUM || f->merge == KPT_SM_MIN || f->merge == KPT_SM_MAX ||
            f->merge == KPT_SM_OR) {
            merge_field(f, c, src);
        } else {
            merge_group(t, c, src, fresh, f->merge, map, nmap);
            done |= 1u << f->merge;
        }
    }
    hist_counts(t, c, n0);
    (void)kpt_fields_merge(kpt_cluster_fields, c, src, fresh, NULL); /* no settings: cannot fail */
    pool_new_values(t, c, n0);
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
    if (t->nslot)
        index_all(t);
    for (i = 0; i < t->n; i++)
        if (t->v[i].nmembers && !t->v[i].capmembers)
            t->v[i].members = &t->v[i].first_seq;
    *n = t->n;
    return t->v;
}
