/*
 * sym_hang.c - a stackshot frame placed and looked up (STACKSHOTS.md §3): [image, offset]
 * to a module, its offset and the link-time address in the catalogued binary. The lookups
 * go into the same table, cache and lldb sessions as the panicked thread's frames.
 *
 * 'T' (and 'K') images are one binary each, named by UUID: the offset is into its
 * __TEXT_EXEC, or for a processed stackshot's image (text_off) from its start, its __TEXT. A 'U'
 * image is the whole kernel cache: load + offset is an unslid address, the KDK kernel's link
 * address where it lies in that kernel, else inside a kext of the report's "Kernel Extensions in
 * backtrace" once unslid by the KernelCache slide.
 */
#include <string.h>

#include "symbolicate/sym_int.h"

static int
same_arch(const struct kpt_report *r, const struct kdk_mod *m)
{
    return (r->arch == KPT_ARCH_X86_64 && m->cputype == 0x01000007) ||
           (r->arch == KPT_ARCH_ARM64 && m->cputype == 0x0100000c) || r->arch == KPT_ARCH_UNKNOWN;
}

/* the report's kext with this UUID, or NULL */
static const struct kpt_kext *
report_kext(const struct kpt_report *r, const uint8_t uuid[16])
{
    size_t i;

    for (i = 0; i < r->nkexts; i++)
        if (r->kexts[i].has_uuid && !memcmp(r->kexts[i].uuid, uuid, 16))
            return &r->kexts[i];
    return NULL;
}

/* a name that is the kernel's, as a processed stackshot may print it */
static int
kernel_name(const char *n)
{
    return n && (!strcmp(n, "kernel") || !strcmp(n, "mach_kernel"));
}

/* the link-time address of offset off into m: from its __TEXT (a processed stackshot's
 * image) or its __TEXT_EXEC; 0 with out->mod unset when it lies past the executable text */
static void
link_in(const struct kdk_mod *m, const struct kpt_ss_image *img, uint64_t off, struct fl *out)
{
    uint64_t link = (img->text_off ? m->text_vm : m->exec_vm) + off;

    if (!m->exec_size || (link >= m->exec_vm && link - m->exec_vm < m->exec_size)) {
        out->mod = m;
        out->lookup = link;
    }
}

/* 'T' / 'K': one binary, by UUID (a processed stackshot's image without one: by name) */
static void
by_uuid(const struct sym_ctx *s, const struct kpt_report *r, const struct kdk_mod *kernel,
        const struct kpt_ss_image *img, uint64_t off, struct fl *out)
{
    const struct kdk_mod *m = img->has_uuid ? kdk_cat_by_uuid(&s->cat, img->uuid) : NULL;
    const struct kpt_kext *k = NULL;
    int is_kernel;

    if (m && !same_arch(r, m))
        m = NULL;
    is_kernel = (img->has_uuid && r->has_kernel_uuid && !memcmp(r->kernel_uuid, img->uuid, 16)) ||
                (m && m->kind == KDK_KERNEL) || (!img->has_uuid && kernel_name(img->bundle));
    out->uuid = img->has_uuid ? img->uuid : NULL;
    out->placed = KPT_PL_IMAGE;
    if (is_kernel) {
        if (!m && kernel && (!img->has_uuid || !memcmp(kernel->uuid, img->uuid, 16)))
            m = kernel;
        out->name = KPT_MODULE_KERNEL;
        out->kernel = 1;
        if (m && !img->has_uuid)
            out->uuid = m->uuid;
        /* the kernel's offsets count from its __TEXT, like the panicked thread's */
        if (img->text_off)
            out->mod_off = off;
        else if (m)
            out->mod_off = m->exec_vm + off - m->text_vm;
        else if ((r->slide_set & (1u << KPT_SL_TEXT_EXEC_BASE)) &&
                 (r->slide_set & (1u << KPT_SL_KERNEL_TEXT_BASE)))
            out->mod_off =
                off + r->slide[KPT_SL_TEXT_EXEC_BASE] - r->slide[KPT_SL_KERNEL_TEXT_BASE];
        else
            out->mod_off = off;
    } else if (m && m->kind == KDK_KEXT) {
        out->name = m->bundle_id;
        out->mod_off = off;
    } else if (img->has_uuid && (k = report_kext(r, img->uuid))) {
        out->name = k->id;
        out->mod_off = off;
    } else if (img->text_off && img->label) {
        /* a kernel-space image of a processed stackshot that no KDK or list names: its
         * bundle id, else its UUID, names the binary */
        out->name = img->label;
        out->mod_off = off;
    } else {
        /* a binary neither the catalogue nor the report names */
        out->placed = KPT_PL_NONE;
        out->uuid = NULL;
        return;
    }
    if (m)
        link_in(m, img, off, out);
}

/* the KernelCache slide that unslides the report's kext addresses; 0 when not printed */
static uint64_t
kc_slide(const struct kpt_report *r)
{
    if (r->slide_set & (1u << KPT_SL_KC_SLIDE))
        return r->slide[KPT_SL_KC_SLIDE];
    if (r->slide_set & (1u << KPT_SL_KERNEL_SLIDE))
        return r->slide[KPT_SL_KERNEL_SLIDE];
    return 0;
}

/* 'U': an unslid kernel-cache address */
static void
in_cache(const struct sym_ctx *s, const struct kpt_report *r, const struct kdk_mod *kernel,
         const struct kpt_ss_image *img, uint64_t off, struct fl *out)
{
    uint64_t a = img->load + off, slide = kc_slide(r);
    const struct kpt_kext *best = NULL;
    size_t i;

    if (kernel && kernel->exec_size && kernel->exec_vm <= a &&
        a - kernel->exec_vm < kernel->exec_size) {
        out->placed = KPT_PL_KC_KERNEL;
        out->name = KPT_MODULE_KERNEL;
        out->kernel = 1;
        out->uuid = kernel->uuid;
        out->mod_off = a - kernel->text_vm;
        out->mod = kernel;
        out->lookup = a;
        return;
    }
    for (i = 0; i < r->nkexts && slide; i++) {
        const struct kpt_kext *k = &r->kexts[i];
        uint64_t start = k->start - slide;

        if (k->start < slide || a < start)
            continue;
        if (k->has_end ? a <= k->end - slide : a - start < KEXT_GUESS_SIZE)
            if (!best || k->start > best->start)
                best = k;
    }
    if (best) {
        const struct kdk_mod *m = sym_match_kext(s, r, best, kernel);

        out->placed = KPT_PL_KC_KEXT;
        out->kext = best;
        out->name = best->id;
        out->uuid = best->has_uuid ? best->uuid : NULL;
        out->mod_off = a - (best->start - slide);
        if (m && (!m->exec_size || out->mod_off < m->exec_size)) {
            out->mod = m;
            out->lookup = m->exec_vm + out->mod_off;
        }
        return;
    }
    /* known to be in the kernel cache, not where: kernelcache+0xOFF, never guessed */
    out->placed = KPT_PL_KC;
    out->name = "kernelcache";
    out->mod_off = off;
}

void
sym_image_lookup(const struct sym_ctx *s, const struct kpt_report *r, const struct kdk_mod *kernel,
                 const struct kpt_frame *f, struct fl *out)
{
    const struct kpt_ss_image *img = f->image;
    uint64_t off = f->img_off;

    memset(out, 0, sizeof(*out));
    if (img->kind != 'T' && img->kind != 'K' && img->kind != 'U')
        return; /* user space, absolute, or an image letter not known to hold kernel code */
    if (r->arch != KPT_ARCH_X86_64 && sym_strip_pac(img->load + off) != img->load + off) {
        off = sym_strip_pac(img->load + off) - img->load;
        out->pac = 1;
    }
    if (img->kind == 'U')
        in_cache(s, r, kernel, img, off, out);
    else if (img->has_uuid || (img->text_off && img->label))
        by_uuid(s, r, kernel, img, off, out);
    if (!out->placed)
        return;
    out->adj = f->pc ? 0 : (r->arch == KPT_ARCH_X86_64 ? 1 : 4);
    if (out->mod && out->lookup >= out->adj)
        out->lookup -= out->adj;
    else
        out->mod = NULL;
}
