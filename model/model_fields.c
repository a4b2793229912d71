/*
 * model_fields.c - the fields of a run, one row each (see model.h), and the loops over
 * them: what a report adds, how shards merge, what is released.
 */
#include "model/fields.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

/* ---- what one report adds ---- */

static int
read_ok(const struct kpt_report *r)
{
    return KPT_READ(r);
}

static size_t
one(const struct kpt_report *r, size_t i)
{
    (void)r;
    (void)i;
    return 1;
}
static size_t
is_ok(const struct kpt_report *r, size_t i)
{
    (void)i;
    return r->status == KPT_ST_OK;
}
static size_t
is_partial(const struct kpt_report *r, size_t i)
{
    (void)i;
    return r->status == KPT_ST_PARTIAL;
}
static size_t
is_rejected(const struct kpt_report *r, size_t i)
{
    (void)i;
    return r->status == KPT_ST_REJECTED;
}
static size_t
is_skipped(const struct kpt_report *r, size_t i)
{
    (void)i;
    return r->status == KPT_ST_SKIPPED;
}
static size_t
is_excluded(const struct kpt_report *r, size_t i)
{
    (void)i;
    return r->excluded;
}
static size_t
is_hang(const struct kpt_report *r, size_t i)
{
    (void)i;
    return r->hang != NULL;
}
static size_t
has_hang_key(const struct kpt_report *r, size_t i)
{
    (void)i;
    return r->hang && r->hang->hang_id;
}

static size_t
no_backtrace(const struct kpt_report *r, size_t i)
{
    (void)i;
    return read_ok(r) && !r->nframes;
}

static size_t
of_format(const struct kpt_report *r, size_t i)
{
    return read_ok(r) && (size_t)r->format == i;
}

static size_t
frames(const struct kpt_report *r, size_t i)
{
    (void)i;
    return read_ok(r) ? r->nframes : 0;
}

/* frames with a module (placed), or with a function name (named) */
static size_t
frames_with(const struct kpt_report *r, int named)
{
    size_t k, n = 0;

    for (k = 0; read_ok(r) && k < r->nframes; k++)
        n += (named ? r->frames[k].function : r->frames[k].module) != NULL;
    return n;
}

static size_t
frames_placed(const struct kpt_report *r, size_t i)
{
    (void)i;
    return frames_with(r, 0);
}
static size_t
frames_named(const struct kpt_report *r, size_t i)
{
    (void)i;
    return frames_with(r, 1);
}

static const char *
format_elem(size_t i)
{
    return kpt_format_name((enum kpt_format)i);
}

#define SUMMARY(name, type, merge, member)                                                         \
    {                                                                                              \
        name, type, merge, offsetof(struct kpt_summary, member), 0, NULL, NULL, NULL, NULL, NULL   \
    }
#define COUNTED(name, member, fn)                                                                  \
    {                                                                                              \
        name, KPT_FT_COUNT, KPT_FM_SUM, offsetof(struct kpt_summary, member), 0, NULL, fn, NULL,   \
            NULL, NULL                                                                             \
    }

const struct kpt_field kpt_summary_fields[KPT_SF_N + 1] = {
    [KPT_SF_FILES] = COUNTED("files", files, one),
    [KPT_SF_OK] = COUNTED("ok", ok, is_ok),
    [KPT_SF_PARTIAL] = COUNTED("partial", partial, is_partial),
    [KPT_SF_REJECTED] = COUNTED("rejected", rejected, is_rejected),
    [KPT_SF_SKIPPED] = COUNTED("skipped", skipped, is_skipped),
    [KPT_SF_NO_BACKTRACE] = COUNTED("no_backtrace", no_backtrace, no_backtrace),
    [KPT_SF_BY_FORMAT] = { "by_format", KPT_FT_COUNT, KPT_FM_SUM,
                           offsetof(struct kpt_summary, by_format), KPT_FMT_PLIST + 1, format_elem,
                           of_format, NULL, NULL, NULL },
    [KPT_SF_FRAMES] = COUNTED("frames", frames, frames),
    [KPT_SF_FRAMES_PLACED] = COUNTED("frames_placed", frames_placed, frames_placed),
    [KPT_SF_FRAMES_NAMED] = COUNTED("frames_named", frames_named, frames_named),
    [KPT_SF_EXCLUDED] = COUNTED("excluded", excluded, is_excluded),
    [KPT_SF_HANG_REPORTS] = COUNTED("hang_reports", hang_reports, is_hang),
    [KPT_SF_HANG_KEYED] = COUNTED("hang_keyed", hang_keyed, has_hang_key),
    /* rejected files past the listed ones: the pipeline counts them */
    [KPT_SF_REJ_UNLISTED] = SUMMARY("rejected_unlisted", KPT_FT_COUNT, KPT_FM_SUM, rej_unlisted),
    /* settings that shape the outputs: every shard of a merge has the same */
    [KPT_SF_ALGO] = SUMMARY("algo", KPT_FT_STR, KPT_FM_EQUAL, algo),
    [KPT_SF_RULES] = SUMMARY("rules", KPT_FT_STR, KPT_FM_EQUAL, rules),
    [KPT_SF_SIG_FRAMES] = SUMMARY("sig_frames", KPT_FT_INT, KPT_FM_EQUAL, sig_frames),
    [KPT_SF_N] = { NULL, KPT_FT_COUNT, KPT_FM_SUM, 0, 0, NULL, NULL, NULL, NULL, NULL },
};

#define RUNHIST(name, member)                                                                      \
    {                                                                                              \
        name, KPT_FT_COUNT, KPT_FM_SUM, offsetof(struct kpt_run_hist, member), 0, NULL, NULL,      \
            NULL, NULL, NULL                                                                       \
    }

/* set by history/ once the clusters are known */
const struct kpt_field kpt_history_fields[] = {
    RUNHIST("runs", runs),
    RUNHIST("reports_new", reports_new),
    RUNHIST("reports_known", reports_known),
    RUNHIST("copies", copies),
    RUNHIST("reports_ever", reports_ever),
    RUNHIST("clusters_new", clusters_new),
    RUNHIST("clusters_regressed", clusters_regressed),
    RUNHIST("clusters_merged", clusters_merged),
    { NULL, KPT_FT_COUNT, KPT_FM_SUM, 0, 0, NULL, NULL, NULL, NULL, NULL },
};

#define SYM(name, type, merge, member)                                                             \
    {                                                                                              \
        name, type, merge, offsetof(struct kpt_symstats, member), 0, NULL, NULL, NULL, NULL, NULL  \
    }

/* a lookup shared by two shards is counted once per shard */
const struct kpt_field kpt_symstats_fields[] = {
    SYM("enabled", KPT_FT_BOOL, KPT_FM_OR, enabled),
    SYM("kdks", KPT_FT_COUNT, KPT_FM_MAX, kdks),
    SYM("kernels", KPT_FT_COUNT, KPT_FM_MAX, kernels),
    SYM("kexts", KPT_FT_COUNT, KPT_FM_MAX, kexts),
    SYM("kdk_files_read", KPT_FT_COUNT, KPT_FM_SUM, kdk_files_read),
    SYM("lookups", KPT_FT_COUNT, KPT_FM_SUM, lookups),
    SYM("cache_hits", KPT_FT_COUNT, KPT_FM_SUM, cache_hits),
    SYM("lldb_lookups", KPT_FT_COUNT, KPT_FM_SUM, lldb_lookups),
    SYM("lldb_starts", KPT_FT_COUNT, KPT_FM_SUM, lldb_starts),
    SYM("lldb_failed", KPT_FT_COUNT, KPT_FM_SUM, lldb_failed),
    SYM("reports_no_kdk", KPT_FT_COUNT, KPT_FM_SUM, reports_no_kdk),
    SYM("reports_mismatch", KPT_FT_COUNT, KPT_FM_SUM, reports_mismatch),
    SYM("no_kdk_builds", KPT_FT_HIST, KPT_FM_SUM, no_kdk_builds),
    SYM("no_binary_kexts", KPT_FT_HIST, KPT_FM_SUM, no_binary_kexts),
    SYM("failures", KPT_FT_STRV, KPT_FM_SUM, failures),
    /* per shard: a merge adds them up (a fact two shards learned counts twice) */
    SYM("learned_facts", KPT_FT_COUNT, KPT_FM_SUM, learned_facts),
    SYM("learned_conflicts", KPT_FT_COUNT, KPT_FM_SUM, learned_conflicts),
    SYM("learned_dropped", KPT_FT_COUNT, KPT_FM_SUM, learned_dropped),
    SYM("frames_learned", KPT_FT_COUNT, KPT_FM_SUM, frames_learned),
    SYM("lldb_names_cut", KPT_FT_COUNT, KPT_FM_SUM, lldb_names_cut),
    { NULL, KPT_FT_COUNT, KPT_FM_SUM, 0, 0, NULL, NULL, NULL, NULL, NULL },
};

/* the value each report adds to a cluster's histograms: "-" when the report did not say */
static const char *
said(const char *s)
{
    return s && *s ? s : "-";
}
static const char *
h_build(const struct kpt_report *r)
{
    return said(r->os_build);
}
static const char *
h_format(const struct kpt_report *r)
{
    return kpt_format_name(r->format);
}
static const char *
h_model(const struct kpt_report *r)
{
    return said(r->model);
}
static const char *
h_process(const struct kpt_report *r)
{
    return said(r->process);
}
static const char *
h_arch(const struct kpt_report *r)
{
    return kpt_arch_name(r->arch);
}
static const char *
h_quality(const struct kpt_report *r)
{
    return said(kpt_quality_name(r->quality));
}
static const char *
h_fine(const struct kpt_report *r)
{
    return said(r->fine_id);
}

/* a composed histogram value that the report does not add (fields.h): not an error */
#define NOTHING (-1)

/* a hang report's site, "HANG_ID site", and what it starved; nothing without a hang key */
static int
h_hang_site(const struct kpt_report *r, char *b, size_t n)
{
    if (!r->hang || !r->hang->hang_id)
        return NOTHING;
    snprintf(b, n, "%s %s", r->hang->hang_id, r->hang->site);
    return 0;
}

static int
h_hang_service(const struct kpt_report *r, char *b, size_t n)
{
    if (!r->hang || !r->hang->hang_id)
        return NOTHING;
    snprintf(b, n, "%s %s", r->hang->hang_id, said(r->hang->service));
    return 0;
}

static const char *
h_path(const struct kpt_report *r)
{
    return r->path;
}

/* the culprit's version; nothing when the report has no culprit or does not list it */
static const char *
h_culprit_version(const struct kpt_report *r)
{
    size_t k;

    if (!r->culprit)
        return NULL;
    for (k = 0; k < r->nkexts; k++)
        if (r->kexts[k].id && !strcmp(r->kexts[k].id, r->culprit))
            return r->kexts[k].version ? r->kexts[k].version : "-";
    return NULL;
}

#define HIST(name, member, fn)                                                                     \
    {                                                                                              \
        name, KPT_FT_HIST, KPT_FM_SUM, offsetof(struct kpt_cluster, member), 0, NULL, NULL, fn,    \
            NULL, NULL                                                                             \
    }
#define HIST_COMPOSED(name, member, fn, example)                                                   \
    {                                                                                              \
        name, KPT_FT_HIST, KPT_FM_SUM, offsetof(struct kpt_cluster, member), 0, NULL, NULL, NULL,  \
            example, fn                                                                            \
    }

const struct kpt_field kpt_cluster_fields[KPT_CF_N + 1] = {
    [KPT_CF_BUILDS] = HIST("os_builds", builds, h_build),
    [KPT_CF_MODELS] = HIST("models", models, h_model),
    [KPT_CF_PROCESSES] = HIST("processes", processes, h_process),
    [KPT_CF_FORMATS] = HIST("formats", formats, h_format),
    [KPT_CF_ARCHS] = HIST("archs", archs, h_arch),
    [KPT_CF_QUALITIES] = HIST("qualities", qualities, h_quality),
    [KPT_CF_CULPRIT_VERSIONS] = HIST("culprit_versions", kext_versions, h_culprit_version),
    [KPT_CF_FINE_KEYS] = HIST("fine_keys", fine_keys, h_fine),
    [KPT_CF_HANG_SITES] = HIST_COMPOSED("hang_sites", hang_sites, h_hang_site, h_path),
    [KPT_CF_HANG_SERVICES] = HIST_COMPOSED("hang_services", hang_services, h_hang_service, NULL),
    [KPT_CF_N] = { NULL, KPT_FT_COUNT, KPT_FM_SUM, 0, 0, NULL, NULL, NULL, NULL, NULL },
};

/* ---- the loops ---- */

void *
kpt_field_ptr(const struct kpt_field *f, void *obj)
{
    return (char *)obj + f->off;
}

const void *
kpt_field_cptr(const struct kpt_field *f, const void *obj)
{
    return (const char *)obj + f->off;
}

static size_t
elems(const struct kpt_field *f)
{
    return f->n > 1 ? f->n : 1;
}

void
kpt_fields_add(const struct kpt_field *t, void *obj, const struct kpt_report *r)
{
    char b[KPT_HIST_COMPOSED_MAX];
    size_t i;

    for (; t->name; t++) {
        if (t->type == KPT_FT_COUNT && t->count) {
            size_t *v = kpt_field_ptr(t, obj);

            for (i = 0; i < elems(t); i++)
                v[i] += t->count(r, i);
        } else if (t->type == KPT_FT_HIST && (t->value || t->compose)) {
            const char *s = t->value ? t->value(r) : t->compose(r, b, sizeof(b)) == 0 ? b : NULL;

            if (s)
                kpt_hist_add_ex(kpt_field_ptr(t, obj), s, 1, t->example ? t->example(r) : NULL);
        }
    }
}

/* "NAME: A, not B" for a setting that differs */
static int
refuse(const struct kpt_field *f, const char *was, const char *is, struct buf *err)
{
    return kpt_fail(err, KPT_E_FORMAT, "%s: %s, not %s", f->name, is, was);
}

static int
refuse_num(const struct kpt_field *f, long long was, long long is, struct buf *err)
{
    char x[24], y[24];

    snprintf(x, sizeof(x), "%lld", was);
    snprintf(y, sizeof(y), "%lld", is);
    return refuse(f, x, y, err);
}

/* the settings first, so that a refused merge changes nothing */
static int
settings_agree(const struct kpt_field *t, const void *to, const void *from, struct buf *err)
{
    size_t i;

    for (; t->name; t++) {
        if (t->merge != KPT_FM_EQUAL)
            continue;
        if (t->type == KPT_FT_STR) {
            const char *a = *(const char *const *)kpt_field_cptr(t, to);
            const char *b = *(const char *const *)kpt_field_cptr(t, from);

            if (strcmp(a ? a : "", b ? b : ""))
                return refuse(t, a ? a : "(none)", b ? b : "(none)", err);
        } else if (t->type == KPT_FT_INT || t->type == KPT_FT_BOOL) {
            int a = *(const int *)kpt_field_cptr(t, to), b = *(const int *)kpt_field_cptr(t, from);

            if (a != b)
                return refuse_num(t, a, b, err);
        } else if (t->type == KPT_FT_COUNT) {
            const size_t *a = kpt_field_cptr(t, to), *b = kpt_field_cptr(t, from);

            for (i = 0; i < elems(t); i++)
                if (a[i] != b[i])
                    return refuse_num(t, (long long)a[i], (long long)b[i], err);
        }
    }
    return 0;
}

static void
merge_one(const struct kpt_field *f, void *to, const void *from, int first)
{
    size_t i;

    switch (f->type) {
    case KPT_FT_COUNT: {
        size_t *a = kpt_field_ptr(f, to);
        const size_t *b = kpt_field_cptr(f, from);

        for (i = 0; i < elems(f); i++) {
            if (f->merge == KPT_FM_SUM)
                a[i] += b[i];
            else if (f->merge == KPT_FM_MAX || f->merge == KPT_FM_OR)
                a[i] = a[i] > b[i] ? a[i] : b[i];
            else if (first)
                a[i] = b[i];
        }
        break;
    }
    case KPT_FT_INT:
    case KPT_FT_BOOL: {
        int *a = kpt_field_ptr(f, to);
        int b = *(const int *)kpt_field_cptr(f, from);

        if (f->merge == KPT_FM_SUM)
            *a += b;
        else if (f->merge == KPT_FM_OR)
            *a = *a || b;
        else if (f->merge == KPT_FM_MAX)
            *a = *a > b ? *a : b;
        else if (first)
            *a = b;
        break;
    }
    case KPT_FT_STR:
        if (first)
            *(const char **)kpt_field_ptr(f, to) = *(const char *const *)kpt_field_cptr(f, from);
        break;
    case KPT_FT_HIST: {
        struct kpt_hist *a = kpt_field_ptr(f, to);
        const struct kpt_hist *b = kpt_field_cptr(f, from);

        for (i = 0; i < b->n; i++)
            kpt_hist_add_ex(a, b->v[i].value, b->v[i].count, b->v[i].example);
        a->other += b->other;
        break;
    }
    case KPT_FT_STRV: {
        struct strv *a = kpt_field_ptr(f, to);
        const struct strv *b = kpt_field_cptr(f, from);

        for (i = 0; i < b->n; i++)
            strv_push(a, b->v[i]);
        break;
    }
    }
}

int
kpt_fields_merge(const struct kpt_field *t, void *to, const void *from, int first, struct buf *err)
{
    int ret;

    if (!first && (ret = settings_agree(t, to, from, err)) < 0)
        return ret;
    for (; t->name; t++)
        merge_one(t, to, from, first);
    return 0;
}

void
kpt_fields_sort(const struct kpt_field *t, void *obj)
{
    for (; t->name; t++)
        if (t->type == KPT_FT_HIST)
            kpt_hist_sort(kpt_field_ptr(t, obj));
}

void
kpt_fields_release(const struct kpt_field *t, void *obj, int strings)
{
    for (; t->name; t++) {
        if (t->type == KPT_FT_HIST) {
            kpt_hist_release(kpt_field_ptr(t, obj));
        } else if (t->type == KPT_FT_STRV) {
            strv_release(kpt_field_ptr(t, obj));
        } else if (t->type == KPT_FT_STR && strings) {
            const char **s = kpt_field_ptr(t, obj);

            free((char *)*s);
            *s = NULL;
        }
    }
}
