#include "model/model.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/xalloc.h"

#include <stdlib.h>

void
kpt_limits_default(struct kpt_limits *l)
{
    l->max_file_bytes = KPT_MAX_FILE_BYTES;
    l->max_line_bytes = KPT_MAX_LINE_BYTES;
    l->max_frames = KPT_MAX_FRAMES;
    l->max_kexts = KPT_MAX_KEXTS;
    l->max_archive_bytes = KPT_MAX_ARCHIVE_BYTES;
    l->max_members = KPT_MAX_MEMBERS;
}

const char *
kpt_format_name(enum kpt_format f)
{
    switch (f) {
    case KPT_FMT_NONE: return "-";
    case KPT_FMT_INTEL_TEXT: return "intel-text";
    case KPT_FMT_JSON_PANIC: return "json-panic";
    case KPT_FMT_IPS: return "ips";
    case KPT_FMT_ARM64_TEXT: return "arm64-text";
    case KPT_FMT_PLIST: return "plist";
    }
    return "-";
}

const char *
kpt_arch_name(enum kpt_arch a)
{
    switch (a) {
    case KPT_ARCH_UNKNOWN: return "-";
    case KPT_ARCH_X86_64: return "x86_64";
    case KPT_ARCH_ARM64: return "arm64";
    }
    return "-";
}

const char *
kpt_status_name(enum kpt_status s)
{
    switch (s) {
    case KPT_ST_OK: return "ok";
    case KPT_ST_PARTIAL: return "partial";
    case KPT_ST_REJECTED: return "rejected";
    case KPT_ST_SKIPPED: return "skipped";
    }
    return "rejected";
}

const char *
kpt_place_name(enum kpt_place p)
{
    switch (p) {
    case KPT_PL_NONE: return "nowhere: outside every known range";
    case KPT_PL_KERNEL_TEXT: return "in the kernel: inside the KDK kernel's executable text";
    case KPT_PL_KEXT_RANGE: return "in a kext: inside its range START->END";
    case KPT_PL_KEXT_START: return "in a kext: start-only entry, up to the next module start";
    case KPT_PL_KERNEL_BASE: return "in the kernel: above its text base, in no kext";
    case KPT_PL_IMAGE: return "by its stackshot image's UUID";
    case KPT_PL_KC_KERNEL: return "in the kernel cache, inside the KDK kernel's executable text";
    case KPT_PL_KC_KEXT: return "in the kernel cache, inside a kext of the report (unslid)";
    case KPT_PL_KC: return "in the kernel cache, in no known module";
    case KPT_PL_KERNEL_SPACE:
        return "in the kernel: its address space on an Intel layout with kexts below it (no slide "
               "printed)";
    }
    return "-";
}

const char *
kpt_culprit_owner(const char *culprit)
{
    if (!culprit)
        return NULL;
    return strncmp(culprit, "com.apple.", 10) ? "third-party" : "apple";
}

const char *
kpt_kdk_match_name(enum kpt_kdk_match m)
{
    switch (m) {
    case KPT_KDK_UNSET: return NULL;
    case KPT_KDK_OFF: return "off";
    case KPT_KDK_NONE: return "none";
    case KPT_KDK_UUID: return "uuid";
    case KPT_KDK_BUILD: return "build";
    case KPT_KDK_UUID_MISMATCH: return "uuid-mismatch";
    }
    return NULL;
}

const char *
kpt_panic_source_name(enum kpt_panic_source s)
{
    switch (s) {
    case KPT_PS_ONE: return NULL;
    case KPT_PS_HOST: return "host";
    case KPT_PS_BRIDGE: return "bridgeos";
    }
    return NULL;
}

const char *
kpt_rchange_name(enum kpt_rchange c)
{
    switch (c) {
    case KPT_RC_SAME: return "same";
    case KPT_RC_RENAMED: return "new key";
    case KPT_RC_SPLIT: return "split";
    case KPT_RC_MERGED: return "merged";
    case KPT_RC_REGROUPED: return "split and merged";
    }
    return "-";
}

const char *
kpt_quality_name(enum kpt_quality q)
{
    switch (q) {
    case KPT_Q_UNSET: return NULL;
    case KPT_Q_OK: return "OK";
    case KPT_Q_LOWSYM: return "LOWSYM";
    case KPT_Q_NOBT: return "NOBT";
    }
    return NULL;
}

const char *
kpt_hflag_name(enum kpt_hflag f)
{
    switch (f) {
    case KPT_HF_NONE: return NULL;
    case KPT_HF_NEW: return "NEW";
    case KPT_HF_REGRESSED: return "REGRESSED";
    }
    return NULL;
}

static const char *const triage_names[] = { "open", "fixed", "ignored" };

const char *
kpt_triage_name(enum kpt_triage t)
{
    return (size_t)t < sizeof(triage_names) / sizeof(triage_names[0]) ? triage_names[t] : "open";
}

int
kpt_triage_parse(const char *s, enum kpt_triage *out)
{
    size_t i;

    for (i = 0; s && i < sizeof(triage_names) / sizeof(triage_names[0]); i++)
        if (!strcmp(s, triage_names[i])) {
            *out = (enum kpt_triage)i;
            return 0;
        }
    return KPT_E_PARSE;
}

const char *
kpt_slide_name(enum kpt_slide_key k)
{
    static const char *const names[KPT_SL_COUNT] = {
        "kernel_slide",           "kernel_text_base",      "kernelcache_slide", "kernelcache_base",
        "kernel_text_exec_slide", "kernel_text_exec_base", "hib_text_base",     "host_kernel_slide",
    };
    return (unsigned)k < KPT_SL_COUNT ? names[k] : "-";
}

void
kpt_report_init(struct kpt_report *r, struct arena *a, const char *path)
{
    memset(r, 0, sizeof(*r));
    r->path = arena_strdup(a, path);
    r->cpu = -1;
    r->pid = -1;
}

const char *
kpt_frame_text(struct arena *a, const struct kpt_frame *f)
{
    if (f->module && f->function)
        return arena_printf(a, "%s!%s", f->module, f->function);
    if (f->module)
        return arena_printf(a, "%s+0x%" PRIx64, f->module, f->mod_off);
    return arena_printf(a, "0x%016" PRIx64, f->addr);
}

/* a named frame: "module`function + OFF [inlined] at file:line (approximate)", the offset in
 * hex for the summaries (as unnamed frames show theirs), in decimal as lldb prints it */
static const char *
frame_named(struct arena *a, const struct kpt_frame *f, int lldb_style)
{
    struct buf b = BUF_INIT;
    const char *s;

    buf_addf(&b, "%s`%s%s", f->module, f->learned ? "\xe2\x89\x88" : "", f->function); /* ≈ */
    if (f->func_off && lldb_style)
        buf_addf(&b, " + %" PRIu64, f->func_off);
    else if (f->func_off)
        buf_addf(&b, " + 0x%" PRIx64, f->func_off);
    if (f->inlined)
        buf_addf(&b, " [inlined] %s", f->inlined);
    if (f->file)
        buf_addf(&b, " at %s:%u", f->file, f->line);
    if (f->approx)
        buf_adds(&b, " (approximate)");
    s = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return s;
}

const char *
kpt_frame_display(struct arena *a, const struct kpt_frame *f)
{
    return f->module && f->function ? frame_named(a, f, 0) : kpt_frame_text(a, f);
}

const char *
kpt_frame_trace(struct arena *a, const struct kpt_frame *f)
{
    return f->module && f->function ? frame_named(a, f, 1) : kpt_frame_text(a, f);
}

const char *
kpt_frames_joined(struct arena *a, const struct kpt_report *r)
{
    struct buf b = BUF_INIT;
    const char *s;
    size_t i;

    for (i = 0; i < r->nframes; i++) {
        if (i)
            buf_adds(&b, " | ");
        buf_adds(&b, kpt_frame_text(a, &r->frames[i]));
    }
    s = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return s;
}

const char *
kpt_uuid_text(struct arena *a, const uint8_t u[16])
{
    /* 8-4-4-4-12 upper-case hex digits (printf was most of a signature's cost: a token of
     * every kext frame carries one) */
    char *p = arena_alloc(a, 37), *o = p;
    int i;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = "0123456789ABCDEF"[u[i] >> 4];
        *o++ = "0123456789ABCDEF"[u[i] & 15];
    }
    return p;
}

int
kpt_uuid_parse(const char *s, size_t n, uint8_t out[16])
{
    size_t i, k = 0;
    int hi = -1, v;

    for (i = 0; i < n; i++) {
        if (s[i] == '-')
            continue;
        if ((v = hex_digit((unsigned char)s[i])) < 0 || k >= 16)
            return KPT_E_PARSE;
        if (hi < 0) {
            hi = v;
        } else {
            out[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return k == 16 && hi < 0 ? 0 : KPT_E_PARSE;
}

const char *
kpt_time_text(struct arena *a, int64_t when, int local)
{
    struct tm tm;
    time_t t = (time_t)when;
    char out[40];

    if (!gmtime_r(&t, &tm))
        return "";
    if (!strftime(out, sizeof(out), local ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%dT%H:%M:%SZ", &tm))
        return "";
    return arena_strdup(a, out);
}

void
kpt_hist_add_ex(struct kpt_hist *h, const char *value, size_t count, const char *example)
{
    struct kpt_hist_entry *e = NULL;
    size_t i;

    if (!value || !*value)
        value = "-";
    for (i = 0; i < h->n && !e; i++)
        if (!strcmp(h->v[i].value, value))
            e = &h->v[i];
    if (!e) {
        if (h->n >= KPT_HIST_MAX) {
            h->other += count;
            return;
        }
        /* most histograms of a cluster hold one value (its build, its format, ...): the
         * first takes one entry, not VEC_GROW's eight, which were most of what a cluster
         * cost at 100,000 clusters */
        if (!h->cap) {
            h->v = xmalloc(sizeof(*h->v));
            h->cap = 1;
        }
        VEC_GROW(h->v, h->n + 1, h->cap);
        e = &h->v[h->n++];
        e->value = xstrdup(value);
        e->count = 0;
        e->example = NULL;
    }
    e->count += count;
    if (example && (!e->example || strcmp(example, e->example) < 0)) {
        free(e->example);
        e->example = xstrdup(example);
    }
}

void
kpt_hist_add(struct kpt_hist *h, const char *value, size_t count)
{
    kpt_hist_add_ex(h, value, count, NULL);
}

static int
hist_cmp(const void *x, const void *y)
{
    const struct kpt_hist_entry *a = x, *b = y;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->value, b->value);
}

void
kpt_hist_sort(struct kpt_hist *h)
{
    if (h->n > 1)
        qsort(h->v, h->n, sizeof(*h->v), hist_cmp);
}

void
kpt_hist_release(struct kpt_hist *h)
{
    size_t i;

    for (i = 0; i < h->n; i++) {
        free(h->v[i].value);
        free(h->v[i].example);
    }
    free(h->v);
    memset(h, 0, sizeof(*h));
}

int
kpt_base_entry_cmp(const void *x, const void *y)
{
    return strcmp(((const struct kpt_base_entry *)x)->id, ((const struct kpt_base_entry *)y)->id);
}

void
kpt_baseline_release(struct kpt_baseline *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        free(b->v[i].id);
        free(b->v[i].signature);
    }
    free(b->v);
    free(b->algo);
    free(b->rules);
    memset(b, 0, sizeof(*b));
}
