/*
 * rep_json.c - one JSON document: {"tool", "reports": [...], "clusters": [...], "totals"}.
 * Reports are streamed as they arrive; clusters and totals are written at the end.
 */
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"
#include "util/xalloc.h"

static int
dump(FILE *f, json_t *j)
{
    int ret = json_dumpf(j, f, JSON_COMPACT | JSON_ENSURE_ASCII) ? KPT_E_IO : 0;

    json_decref(j);
    return ret || ferror(f) ? KPT_E_IO : 0;
}

int
rep_json_begin(FILE *f)
{
    fprintf(f, REP_HEAD_JSON ",\"version\":\"%s\",\"reports\":[\n", KPT_VERSION);
    return ferror(f) ? KPT_E_IO : 0;
}

/* the hung thread: rep_hang_items; null when not a hang */
static json_t *
hang_json(struct arena *a, const struct kpt_report *r)
{
    struct rep_src x = { NULL, 0, r, a };

    return r->hang ? rep_items_json(rep_hang_items, &x) : json_null();
}

static json_t *
slides_json(struct arena *a, const struct kpt_report *r)
{
    json_t *sl = json_object();
    size_t i;

    for (i = 0; i < KPT_SL_COUNT; i++)
        if (r->slide_set & (1u << i))
            json_object_set_new(sl, kpt_slide_name((enum kpt_slide_key)i),
                                rep_jstr(arena_printf(a, "0x%016" PRIx64, r->slide[i])));
    return sl;
}

static json_t *
kexts_json(struct arena *a, const struct kpt_report *r)
{
    json_t *kx = json_array();
    size_t i;

    for (i = 0; i < r->nkexts; i++) {
        const struct kpt_kext *k = &r->kexts[i];
        json_t *x = json_object();

        json_object_set_new(x, "id", rep_jstr(k->id));
        json_object_set_new(x, "version", rep_jstr(k->version));
        json_object_set_new(x, "uuid",
                            k->has_uuid ? rep_jstr(kpt_uuid_text(a, k->uuid)) : json_null());
        json_object_set_new(x, "start", rep_jstr(arena_printf(a, "0x%016" PRIx64, k->start)));
        json_object_set_new(x, "end",
                            k->has_end ? rep_jstr(arena_printf(a, "0x%016" PRIx64, k->end))
                                       : json_null());
        json_object_set_new(x, "dependency", json_boolean(k->dependency));
        json_array_append_new(kx, x);
    }
    return kx;
}

static json_t *
owner_json(struct arena *a, const struct kpt_report *r)
{
    (void)a;
    return rep_jstr(kpt_culprit_owner(r->culprit));
}

static json_t *
loaded_json(struct arena *a, const struct kpt_report *r)
{
    (void)a;
    return json_integer((json_int_t)r->nloaded);
}

static json_t *
frames_json(struct arena *a, const struct kpt_report *r)
{
    json_t *fr = json_array();
    size_t i;

    for (i = 0; i < r->nframes; i++)
        json_array_append_new(fr, rep_frame_json(a, &r->frames[i]));
    return fr;
}

/* the writers of a report row's parts, by the row's id in kpt_report_scalars: every part
 * row has one, every other row is written from its description */
static json_t *(*const report_part[KPT_RS_N])(struct arena *a, const struct kpt_report *r) = {
    [KPT_RS_SLIDES] = slides_json, [KPT_RS_OWNER] = owner_json, [KPT_RS_HANG] = hang_json,
    [KPT_RS_FRAMES] = frames_json, [KPT_RS_KEXTS] = kexts_json, [KPT_RS_LOADED_KEXTS] = loaded_json,
};

/* row f of kpt_report_scalars: its part's writer, or its description's */
static json_t *
part_of(const struct kpt_scalar *f, struct arena *a, const struct kpt_report *r)
{
    json_t *(*w)(struct arena *, const struct kpt_report *) = report_part[f - kpt_report_scalars];

    if (f->type == KPT_SC_PART && !w)
        KPT_BUG("report part '%s' has no writer", f->key);
    return w ? w(a, r) : rep_scalar_json(f, r, 0, a);
}

/* a report's row: kpt_report_scalars in their order (a rejected report's first three) */
void
rep_json_report_buf(struct buf *out, struct arena *a, const struct kpt_report *r)
{
    const struct kpt_scalar *f;
    json_t *o = json_object();
    char *t;

    for (f = kpt_report_scalars; f->key; f++) {
        if (!(f->in & KPT_IN_JSON) || ((f->in & KPT_IN_READ) && !KPT_READ(r)))
            continue;
        json_object_set_new(o, f->key, part_of(f, a, r));
    }
    t = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (t)
        buf_adds(out, t);
    free(t);
    json_decref(o);
}

int
rep_json_sep(FILE *f, int first)
{
    if (!first)
        fputs(",\n", f);
    return ferror(f) ? KPT_E_IO : 0;
}

/* the writers of a cluster's parts: into o under the row's key, or nothing */
static void
c_rank(json_t *o, const char *key, const struct kpt_summary *s, size_t i)
{
    (void)s;
    json_object_set_new(o, key, json_integer((json_int_t)i + 1));
}

static void
c_owner(json_t *o, const char *key, const struct kpt_summary *s, size_t i)
{
    json_object_set_new(o, key, rep_jstr(kpt_culprit_owner(s->clusters[i].culprit)));
}

/* kpt_cluster_fields, among the cluster's keys */
static void
c_histograms(json_t *o, const char *key, const struct kpt_summary *s, size_t i)
{
    json_t *h = rep_fields_json(kpt_cluster_fields, &s->clusters[i], 0);

    (void)key;
    json_object_update(o, h);
    json_decref(h);
}

static void
c_base_status(json_t *o, const char *key, const struct kpt_summary *s, size_t i)
{
    char tmp[32];

    if (s->base)
        json_object_set_new(o, key,
                            json_string(rep_baseline_status(s->base, &s->clusters[i], tmp)));
}

static void
c_base_count(json_t *o, const char *key, const struct kpt_summary *s, size_t i)
{
    const struct kpt_base_entry *e;

    if (!s->base)
        return;
    e = rep_baseline_find(s->base, s->clusters[i].id_hex);
    json_object_set_new(o, key, e ? json_integer((json_int_t)e->count) : json_null());
}

static void
c_history(json_t *o, const char *key, const struct kpt_summary *s, size_t i)
{
    if (s->hist)
        json_object_set_new(o, key, rep_hist_cluster_json(s, i));
}

/* the writers of a cluster's parts, by the row's id in kpt_cluster_scalars */
static void (*const cluster_part[KPT_CS_N])(json_t *o, const char *key, const struct kpt_summary *s,
                                            size_t i) = {
    [KPT_CS_RANK] = c_rank,
    [KPT_CS_OWNER] = c_owner,
    [KPT_CS_HISTOGRAMS] = c_histograms,
    [KPT_CS_BASE_STATUS] = c_base_status,
    [KPT_CS_BASE_COUNT] = c_base_count,
    [KPT_CS_HISTORY] = c_history,
};

/* cluster i: kpt_cluster_scalars in their order */
static json_t *
cluster_json(const struct kpt_summary *s, size_t i)
{
    const struct kpt_scalar *f;
    struct arena *a = arena_new(256);
    json_t *o = json_object();

    for (f = kpt_cluster_scalars; f->key; f++) {
        if (!(f->in & KPT_IN_JSON))
            continue;
        if (cluster_part[f - kpt_cluster_scalars])
            cluster_part[f - kpt_cluster_scalars](o, f->key, s, i);
        else if (f->type == KPT_SC_PART)
            KPT_BUG("cluster part '%s' has no writer", f->key);
        else
            json_object_set_new(o, f->key, rep_scalar_json(f, &s->clusters[i], 0, a));
    }
    arena_free(a);
    return o;
}

int
rep_json_end(FILE *f, const struct kpt_summary *s)
{
    json_t *tot = NULL, *rej = json_array();
    size_t i;
    int ret = 0;

    /* the clusters one at a time (the same bytes as one compact array): memory is one
     * cluster's tree, not 100,000 of them */
    fputs("\n],\"clusters\":[", f);
    for (i = 0; i < s->nclusters; i++) {
        json_t *o = cluster_json(s, i);

        if (i)
            fputc(',', f);
        if ((ret = dump(f, o)) < 0)
            goto out;
    }
    fputc(']', f);
    tot = rep_fields_json(kpt_summary_fields, s, 0);
    json_object_set_new(tot, "clusters", json_integer((json_int_t)s->nclusters));
    if (s->sym)
        json_object_set_new(tot, "symbolication", rep_fields_json(kpt_symstats_fields, s->sym, 0));
    if (s->hist)
        json_object_set_new(tot, "history", rep_hist_run_json(s));
    for (i = 0; i < s->nrej; i++) {
        json_t *o = json_object();

        json_object_set_new(o, kpt_report_scalars[KPT_RS_PATH].key,
                            rep_lossless_str(s->rej[i].path));
        json_object_set_new(o, kpt_report_scalars[KPT_RS_ERROR].key, rep_jstr(s->rej[i].why));
        json_array_append_new(rej, o);
    }
    fputs(",\"totals\":", f);
    if ((ret = dump(f, tot)) < 0)
        goto out_rej;
    fputs(",\"rejected\":", f);
    ret = dump(f, rej);
    rej = NULL;
    fputs("}\n", f);
    if (ferror(f))
        ret = KPT_E_IO;
out_rej:
    json_decref(rej);
    return ret;
out:
    json_decref(tot);
    json_decref(rej);
    return ret;
}
