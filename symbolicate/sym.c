/*
 * sym.c - frame classification and offsets (SYMBOLICATION.md §3.3, §4), keepsyms names.
 */
#include "symbolicate/sym.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* libstdc++'s demangler; C linkage. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *n, int *status);

/* The unslid kernel text base, per platform: 'X base − X slide' is one constant
 * (FORMATS.md §6.3). Used when a report prints a slide but no base. */
#define INTEL_UNSLID_TEXT 0xffffff8000200000ull
#define ARM64_UNSLID_TEXT 0xfffffe0007004000ull
#define ARM64_OLD_UNSLID_TEXT 0xfffffff007004000ull

/* A kext without an END (old dependency lines) is assumed no larger than this. */
#define KEXT_GUESS_SIZE (16ull << 20)

struct sym_ctx {
    struct sym_stats st;
};

struct sym_ctx *
sym_ctx_new(const struct sym_opts *o)
{
    struct sym_ctx *s = xcalloc(1, sizeof(*s));

    (void)o;
    return s;
}

void
sym_ctx_free(struct sym_ctx *s)
{
    free(s);
}

void
sym_ctx_stats(const struct sym_ctx *s, struct sym_stats *out)
{
    *out = s->st;
}

uint64_t
sym_strip_pac(uint64_t a)
{
    /* VA 47 for 0xfffffe... kernels (SYMBOLICATION.md §4.4) */
    const uint64_t mask = (1ull << 47) - 1;

    return (a >> 55 & 1) ? (a | ~mask) : (a & mask);
}

const char *
sym_demangle(struct arena *a, const char *name)
{
    const char *n = name;
    char *d, *res;
    int status = 0;

    if (n[0] == '_')
        n++;
    if (n[0] != '_' || n[1] != 'Z')
        return arena_strdup(a, n);
    d = __cxa_demangle(n, NULL, NULL, &status);
    if (!d || status != 0) {
        free(d);
        return arena_strdup(a, n);
    }
    res = arena_strdup(a, d);
    free(d);
    return res;
}

static int
is_kernel_name(const char *m)
{
    return !strcmp(m, "mach_kernel") || !strcmp(m, "kernel") || !strncmp(m, "kernel.", 7);
}

static int
in_kernel_space(const struct kpt_report *r, uint64_t a)
{
    if (r->arch == KPT_ARCH_X86_64)
        return (a >> 32) == 0xffffff80;
    return (a >> 40) == 0xfffffe || (a >> 36) == 0xfffffff;
}

/* unslid kernel text base, and whether it is known at all */
static uint64_t
kernel_text_base(const struct kpt_report *r, int *known)
{
    *known = 1;
    if (r->slide_set & (1u << KPT_SL_KERNEL_TEXT_BASE))
        return r->slide[KPT_SL_KERNEL_TEXT_BASE];
    if (r->arch == KPT_ARCH_X86_64) {
        /* A complete report with no slide line was booted with KASLR off: slide 0
         * (FORMATS.md §6.3); it still prints __HIB text base. An excerpt with none of the
         * three lines gives no way to unslide. */
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
    /* old dependency lines print no END: the nearest start below, within reason */
    for (i = 0; i < r->nkexts; i++) {
        const struct kpt_kext *k = &r->kexts[i];

        if (!k->has_end && k->start <= a && a - k->start < KEXT_GUESS_SIZE &&
            (!best || k->start > best->start))
            best = k;
    }
    return best;
}

static void
place(const struct kpt_report *r, struct kpt_frame *f, uint64_t a)
{
    const struct kpt_kext *k = find_kext(r, a);
    uint64_t base;
    int known;

    if (k) {
        f->module = k->id;
        f->mod_off = a - k->start;
        return;
    }
    if (in_kernel_space(r, a)) {
        base = kernel_text_base(r, &known);
        f->module = "kernel";
        f->mod_off = known && a >= base ? a - base : a;
        if (!known || a < base)
            f->module = NULL; /* cannot give a stable offset */
    }
}

int
sym_resolve(struct sym_ctx *s, struct arena *a, struct kpt_report *r)
{
    size_t i;

    if (r->has_fault) {
        /* a pc, not a return address: the same placement, no call-site adjustment */
        place(r, &r->fault, r->fault.addr);
        if (!r->fault.module && r->arch == KPT_ARCH_ARM64)
            place(r, &r->fault, sym_strip_pac(r->fault.addr));
    }
    for (i = 0; i < r->nframes; i++) {
        struct kpt_frame *f = &r->frames[i];

        f->module = NULL;
        f->function = NULL;
        place(r, f, f->addr);
        if (!f->module && r->arch == KPT_ARCH_ARM64 && sym_strip_pac(f->addr) != f->addr)
            place(r, f, sym_strip_pac(f->addr));
        if (f->sym_name && f->sym_module) {
            if (!f->module)
                f->module = is_kernel_name(f->sym_module) ? "kernel" : f->sym_module;
            f->function = sym_demangle(a, f->sym_name);
            f->func_off = f->sym_off;
        }
        s->st.frames++;
        if (!f->module)
            s->st.unknown++;
        else if (!strcmp(f->module, "kernel"))
            s->st.in_kernel++;
        else
            s->st.in_kext++;
        if (f->function)
            s->st.named++;
    }
    return 0;
}
