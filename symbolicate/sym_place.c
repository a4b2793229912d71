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
    if (!r->os_build || !(file = kernel_file(a, r)) ||
        !(m = kdk_cat_kernel(&s->cat, r->os_build, file)) || !arch_ok(r, m))
        return NULL;
    if (r->has_kernel_uuid && memcmp(m->uuid, r->kernel_uuid, 16)) {
        *status = KPT_KDK_UUID_MISMATCH;
        return NULL;
    }
    *status = KPT_KDK_BUILD;
    return m;
}

void
sym_need(struct sym_ctx *s, const struct kpt_report *r)
{
    kdk_cat_need_build(&s->cat, r->os_build);
    if (r->has_kernel_uuid)
        kdk_cat_need_kernel(&s->cat, r->kernel_uuid);
}

void
sym_need_kexts(struct sym_ctx *s, const struct kpt_report *r, const struct kdk_mod *kernel)
{
    const char *kdk = kernel ? kernel->kdk : NULL;
    size_t i;

    for (i = 0; i < r->nkexts; i++)
        kdk_cat_need_kext(&s->cat, kdk, r->os_build, r->kexts[i].id,
                          r->kexts[i].has_uuid ? r->kexts[i].uuid : NULL);
    /* a stackshot's images name binaries by UUID alone: when one is not catalogued yet,
     * every kext of the kernel's KDK */
    for (i = 0; r->hang && kdk && i < r->hang->nframes; i++) {
        const struct kpt_ss_image *img = r->hang->frames[i].image;

        /* a processed stackshot's image may name its bundle: that kext first, by name */
        if (img && img->bundle && img->has_uuid && !kdk_cat_by_uuid(&s->cat, img->uuid))
            kdk_cat_need_kext(&s->cat, kdk, r->os_build, img->bundle, img->uuid);
    }
    for (i = 0; r->hang && kdk && i < r->hang->nframes; i++) {
        const struct kpt_ss_image *img = r->hang->frames[i].image;

        if (img && img->has_uuid && (img->kind == 'T' || img->kind == 'K') &&
            memcmp(img->uuid, kernel->uuid, 16) && !kdk_cat_by_uuid(&s->cat, img->uuid)) {
            kdk_cat_need_kexts(&s->cat, kdk);
            break;
        }
    }
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
        const struct kdk_mod *c = s->cat.m[i];

        if (c->kind != KDK_KEXT || !c->bundle_id || strcmp(c->bundle_id, k->id) || !arch_ok(r, c))
            continue;
        if (!m || (kernel && c->kdk && kernel->kdk && !strcmp(c->kdk, kernel->kdk)))
            m = c;
    }
    return m;
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

/* the matched kernel's executable text where this report's kernel ran: [*lo, *hi) */
static int
kernel_exec_range(const struct kpt_report *r, const struct kdk_mod *m, uint64_t *lo, uint64_t *hi)
{
    if (!m || !m->exec_size)
        return 0;
    if (r->arch == KPT_ARCH_ARM64 && (r->slide_set & (1u << KPT_SL_TEXT_EXEC_BASE)))
        *lo = r->slide[KPT_SL_TEXT_EXEC_BASE];
    else if (r->slide_set & (1u << KPT_SL_KERNEL_SLIDE))
        *lo = m->exec_vm + r->slide[KPT_SL_KERNEL_SLIDE];
    else if (r->arch == KPT_ARCH_X86_64 && (r->slide_set & (1u << KPT_SL_HIB_TEXT_BASE)))
        *lo = m->exec_vm; /* KASLR off */
    else
        return 0;
    *hi = *lo + m->exec_size;
    return *hi > *lo;
}

/* the lowest known module start above 'start': another kext's, the kernel's text base, its
 * executable text; UINT64_MAX when none */
static uint64_t
next_start(const struct kpt_report *r, uint64_t start, const uint64_t *kernel_starts, size_t nks)
{
    uint64_t next = UINT64_MAX;
    size_t i;

    for (i = 0; i < r->nkexts; i++)
        if (r->kexts[i].start > start && r->kexts[i].start < next)
            next = r->kexts[i].start;
    for (i = 0; i < nks; i++)
        if (kernel_starts[i] > start && kernel_starts[i] < next)
            next = kernel_starts[i];
    return next;
}

/* Intel before macOS 11 put kexts at 0xffffff7f........, below the kernel: a report that
 * shows such an address (a kext, the caller, a frame) has that layout */
static int
intel_kexts_below(const struct kpt_report *r)
{
    size_t i;

    if (r->arch != KPT_ARCH_X86_64)
        return 0;
    if (r->has_caller && (r->caller >> 32) == 0xffffff7f)
        return 1;
    for (i = 0; i < r->nkexts; i++)
        if ((r->kexts[i].start >> 32) == 0xffffff7f)
            return 1;
    for (i = 0; i < r->nframes && i < 64; i++) /* bounded: asked for every frame */
        if ((r->frames[i].addr >> 32) == 0xffffff7f)
            return 1;
    return 0;
}

/*
 * Where address a lies, by the first rule that holds: inside the matched kernel's own
 * executable text (kernel); inside a kext range printed with ->end; in a start-only kext
 * entry, whose range ends at the next known module start above it and never past
 * KEXT_GUESS_SIZE; at or above the kernel's text base (kernel); with no text base known, in
 * the kernel's address space of an Intel layout that keeps kexts below it (kernel). *k is
 * the kext, or NULL.
 */
static enum kpt_place
place(const struct kpt_report *r, const struct kdk_mod *kernel, uint64_t a,
      const struct kpt_kext **k, uint64_t *mod_off)
{
    uint64_t base = 0, lo = 0, hi = 0, ks[3];
    const struct kpt_kext *best = NULL;
    size_t i, nks = 0;
    int known, text = kernel_exec_range(r, kernel, &lo, &hi);

    *k = NULL;
    base = kernel_text_base(r, &known);
    if (text && lo <= a && a < hi) {
        *mod_off = a - (known && a >= base ? base : lo);
        return KPT_PL_KERNEL_TEXT;
    }
    for (i = 0; i < r->nkexts; i++)
        if (r->kexts[i].has_end && r->kexts[i].start <= a && a <= r->kexts[i].end) {
            *k = &r->kexts[i];
            *mod_off = a - (*k)->start;
            return KPT_PL_KEXT_RANGE;
        }
    if (known)
        ks[nks++] = base;
    if (text)
        ks[nks++] = lo;
    if (r->slide_set & (1u << KPT_SL_TEXT_EXEC_BASE))
        ks[nks++] = r->slide[KPT_SL_TEXT_EXEC_BASE];
    for (i = 0; i < r->nkexts; i++) {
        const struct kpt_kext *x = &r->kexts[i];

        if (!x->has_end && x->start <= a && a - x->start < KEXT_GUESS_SIZE &&
            a < next_start(r, x->start, ks, nks) && (!best || x->start > best->start))
            best = x;
    }
    if (best) {
        *k = best;
        *mod_off = a - best->start;
        return KPT_PL_KEXT_START;
    }
    if (!known && in_kernel_space(r, a) && intel_kexts_below(r)) {
        /* no slide: the offset within the 2 MiB KASLR granule is all that is stable */
        *mod_off = a & 0x1fffff;
        return KPT_PL_KERNEL_SPACE;
    }
    if (!in_kernel_space(r, a) || !known || a < base)
        return KPT_PL_NONE;
    *mod_off = a - base;
    return KPT_PL_KERNEL_BASE;
}

/* the link-time address of a in the catalogued module, or 0 when it cannot be computed */
static int
link_addr(const struct kpt_report *r, const struct kpt_kext *k, const struct kdk_mod *m, uint64_t a,
          uint64_t *link)
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
    out->placed = place(r, kernel, a, &out->kext, &out->mod_off);
    if (!out->placed && r->arch == KPT_ARCH_ARM64 && sym_strip_pac(a) != a) {
        a = sym_strip_pac(a);
        out->pac = 1;
        out->placed = place(r, kernel, a, &out->kext, &out->mod_off);
    }
    if (!out->placed)
        return;
    out->name = out->kext ? out->kext->id : KPT_MODULE_KERNEL;
    out->kernel = !out->kext;
    if (out->kext)
        out->uuid = out->kext->has_uuid ? out->kext->uuid : NULL;
    else
        out->uuid = r->has_kernel_uuid ? r->kernel_uuid : NULL;
    out->adj = is_return ? (r->arch == KPT_ARCH_ARM64 ? 4 : 1) : 0;
    out->mod = out->kext ? sym_match_kext(s, r, out->kext, kernel) : kernel;
    if (out->mod && link_addr(r, out->kext, out->mod, a, &link) && link >= out->adj)
        out->lookup = link - out->adj;
    else
        out->mod = NULL;
}
