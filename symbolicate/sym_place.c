/*
 * sym_place.c - matching a report to the catalogue and the address math of
 * SYMBOLICATION.md §4: where a return address lies (a kext of the report, or the kernel),
 * its offset there, and its link-time address in the catalogued binary.
 */
#include <string.h>

#include "symbolicate/sym_int.h"

uint64_t
sym_strip_pac(uint64_t a)
{
    /* VA 47 for 0xfffffe... kernels (SYMBOLICATION.md §4.4) */
    const uint64_t mask = (1ull << 47) - 1;

    return (a >> 55 & 1) ? (a | ~mask) : (a & mask);
}

static const char *
kernel_file(struct arena *a, const struct kpt_report *r)
{
    if (!r->variant)
        return NULL;
    if (r->arch == KPT_ARCH_X86_64)
        return !strcmp(r->variant, "release") ? "kernel" : arena_printf(a, "kernel.%s", r->variant);
    if (r->arch == KPT_ARCH_ARM64 && r->soc)
        return arena_printf(a, "kernel.%s.%s", r->variant, r->soc);
    return NULL;
}

static int
arch_ok(const struct kpt_report *r, const struct kdk_mod *m)
{
    return (r->arch == KPT_ARCH_X86_64 && m->cputype == 0x01000007) ||
           (r->arch == KPT_ARCH_ARM64 && m->cputype == 0x0100000c);
}

const struct kdk_mod *
sym_match_kernel(const struct sym_ctx *s, struct arena *a, const struct kpt_report *r,
                 enum kpt_kdk_match *status)
{
    const struct kdk_mod *m;
    const char *file;

    *status = KPT_KDK_NONE;
    if (r->has_kernel_uuid && (m = kdk_cat_by_uuid(&s->cat, r->kernel_uuid)) &&
        m->kind == KDK_KERNEL && arch_ok(r, m)) {
        *status = KPT_KDK_UUID;
        return m;
    }
    if (!r->os_build || !(file = kernel_file(a, r)) || !(m = kdk_cat_kernel(&s->cat, r->os_build, file)) ||
        !arch_ok(r, m))
        return NULL;
    if (r->has_kernel_uuid && memcmp(m->uuid, r->kernel_uuid, 16)) {
        *status = KPT_KDK_UUID_MISMATCH;
        return NULL;
    }
    *status = KPT_KDK_BUILD;
    return m;
}

const struct kdk_mod *
sym_match_kext(const struct sym_ctx *s, const struct kpt_report *r, const struct kpt_kext *k,
           const struct kdk_mod *kernel)
{
    const struct kdk_mod *m = NULL;
    size_t i;

    if (k->has_uuid) {
        m = kdk_cat_by_uuid(&s->cat, k->uuid);
        return m && m->kind == KDK_KEXT && arch_ok(r, m) ? m : NULL;
    }
    /* the report gives no UUID: the bundle id, preferring the kernel's KDK */
    for (i = 0; i < s->cat.n; i++) {
        const struct kdk_mod *c = &s->cat.m[i];

        if (c->kind != KDK_KEXT || !c->bundle_id || strcmp(c->bundle_id, k->id) || !arch_ok(r, c))
            continue;
        if (!m || (kernel && c->kdk && kernel->kdk && !strcmp(c->kdk, kernel->kdk)))
            m = c;
    }
    return m;
}

static const struct kpt_kext *
find_kext(const struct kpt_report *r, uint64_t a)
{
    const struct kpt_kext *best = NULL;
    size_t i;

    for (i = 0; i < r->nkexts; i++) {
        const struct kpt_kext *k = &r->kexts[i];

        if (k->has_end && k->start <= a && a <= k->end)
            return k;
    }
    for (i = 0; i < r->nkexts; i++) {
        const struct kpt_kext *k = &r->kexts[i];

        if (!k->has_end && k->start <= a && a - k->start < KEXT_GUESS_SIZE &&
            (!best || k->start > best->start))
            best = k;
    }
    return best;
}

static int
in_kernel_space(const struct kpt_report *r, uint64_t a)
{
    if (r->arch == KPT_ARCH_X86_64)
        return (a >> 32) == 0xffffff80;
    return (a >> 40) == 0xfffffe || (a >> 36) == 0xfffffff;
}

/* unslid kernel text base for MODULE+0xOFFSET display */
static uint64_t
kernel_text_base(const struct kpt_report *r, int *known)
{
    *known = 1;
    if (r->slide_set & (1u << KPT_SL_KERNEL_TEXT_BASE))
        return r->slide[KPT_SL_KERNEL_TEXT_BASE];
    if (r->arch == KPT_ARCH_X86_64) {
        /* no slide line in a complete report: KASLR off, slide 0; an excerpt with none of
         * the three lines gives no way to unslide */
        if (!(r->slide_set & (1u << KPT_SL_KERNEL_SLIDE | 1u << KPT_SL_HIB_TEXT_BASE))) {
            *known = 0;
            return 0;
        }
        return INTEL_UNSLID_TEXT +
               (r->slide_set & (1u << KPT_SL_KERNEL_SLIDE) ? r->slide[KPT_SL_KERNEL_SLIDE] : 0);
    }
    if (r->slide_set & (1u << KPT_SL_KERNEL_SLIDE))
        return (r->slide[KPT_SL_KERNEL_SLIDE] + ARM64_UNSLID_TEXT) >> 40 == 0xfffffe
                   ? r->slide[KPT_SL_KERNEL_SLIDE] + ARM64_UNSLID_TEXT
                   : r->slide[KPT_SL_KERNEL_SLIDE] + ARM64_OLD_UNSLID_TEXT;
    *known = 0;
    return 0;
}

/* where address a lies: the kext entry, or the kernel (*k NULL, return 1), or nowhere (0) */
static int
place(const struct kpt_report *r, uint64_t a, const struct kpt_kext **k, uint64_t *mod_off)
{
    uint64_t base;
    int known;

    if ((*k = find_kext(r, a))) {
        *mod_off = a - (*k)->start;
        return 1;
    }
    if (!in_kernel_space(r, a))
        return 0;
    base = kernel_text_base(r, &known);
    if (!known || a < base)
        return 0;
    *mod_off = a - base;
    return 1;
}

/* the link-time address of a in the catalogued module, or 0 when it cannot be computed */
static int
link_addr(const struct kpt_report *r, const struct kpt_kext *k, const struct kdk_mod *m,
          uint64_t a, uint64_t *link)
{
    uint64_t off;

    if (k) {
        off = a - k->start;
        if (r->arch == KPT_ARCH_ARM64) {
            if (m->exec_size && off >= m->exec_size)
                return 0;
            *link = m->exec_vm + off; /* arm64 ranges are __TEXT_EXEC */
        } else {
            *link = m->text_vm + off; /* Intel ranges are the whole load range */
        }
        return 1;
    }
    if (r->arch == KPT_ARCH_ARM64 && (r->slide_set & (1u << KPT_SL_TEXT_EXEC_BASE))) {
        uint64_t txb = r->slide[KPT_SL_TEXT_EXEC_BASE];

        if (a < txb || a - txb >= m->exec_size)
            return 0;
        *link = a - txb + m->exec_vm;
        return 1;
    }
    if (r->slide_set & (1u << KPT_SL_KERNEL_SLIDE)) {
        *link = a - r->slide[KPT_SL_KERNEL_SLIDE];
        return 1;
    }
    if (r->arch == KPT_ARCH_X86_64 && (r->slide_set & (1u << KPT_SL_HIB_TEXT_BASE))) {
        *link = a; /* KASLR off */
        return 1;
    }
    return 0;
}

void
sym_frame_lookup(const struct sym_ctx *s, const struct kpt_report *r, const struct kdk_mod *kernel,
             uint64_t a, int is_return, struct fl *out)
{
    uint64_t link;

    memset(out, 0, sizeof(*out));
    out->placed = place(r, a, &out->kext, &out->mod_off);
    if (!out->placed && r->arch == KPT_ARCH_ARM64 && sym_strip_pac(a) != a) {
        a = sym_strip_pac(a);
        out->pac = 1;
        out->placed = place(r, a, &out->kext, &out->mod_off);
    }
    if (!out->placed)
        return;
    out->adj = is_return ? (r->arch == KPT_ARCH_ARM64 ? 4 : 1) : 0;
    out->mod = out->kext ? sym_match_kext(s, r, out->kext, kernel) : kernel;
    if (out->mod && link_addr(r, out->kext, out->mod, a, &link) && link >= out->adj)
        out->lookup = link - out->adj;
    else
        out->mod = NULL;
}
