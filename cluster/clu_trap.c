/*
 * clu_trap.c - a trap or abort whose frames say nothing: where the faulting pc the message
 * names says it was (SIGNATURES.md §4.5, cluster/SIGNATURES.md).
 */
#include <inttypes.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_walk.h"

/* no significant frame, or none placed in any module */
static int
frames_say_nothing(const struct tok *tok, const int *sig_tok, size_t nsig)
{
    size_t i;

    for (i = 0; i < nsig; i++)
        if (tok[sig_tok[i]].named || tok[sig_tok[i]].module)
            return 0;
    return 1;
}

#define GRANULE 0x200000u /* Intel's kernel slides by whole 2 MiB */

/* a significant frame placed in a kext the report lists: the frames do say something */
static int
names_a_kext(const struct walk *w)
{
    size_t i;

    for (i = 0; i < w->sig; i++) {
        const struct tok *t = &w->tok[w->sig_tok[i]];

        if (t->module && !t->kernel && strcmp(t->module, CLU_UNKNOWN_KEXT))
            return 1;
    }
    return 0;
}

/* the register the dump lists nearest the faulting pc within a granule, as "rip-0x1d" (the
 * faulting function called through it, 0x1d bytes in) or "rip+0x1e2ac"; NULL when none is */
static const char *
nearest_register(struct arena *a, const struct kpt_report *r)
{
    uint64_t best = GRANULE, pc = r->fault.addr;
    int k, neg = 0, found = 0;

    for (k = 0; k < 16; k++) {
        uint64_t v = r->gpr[k], d;

        if (!(r->gpr_mask & (1u << k)))
            continue;
        d = v >= pc ? v - pc : pc - v;
        if (d < best) {
            best = d;
            neg = v < pc;
            found = 1;
        }
    }
    return found ? arena_printf(a, "rip%c0x%" PRIx64, neg ? '-' : '+', best) : NULL;
}

/*
 * An Intel trap in the kernel whose frames name nothing (no symbols, no slide, no kext the
 * report lists): "somewhere in the kernel" joins every such bug. What a triager compares is
 * the trap's site seen from what does not move with the slide: a register the dump shows
 * near the faulting pc (R8 = RIP - 0x1d: the function called through it, and where in it),
 * and a NULL-page data address (a structure's field). Never an address: the faulting pc's
 * own offset in its 2 MiB granule would split every bug by build, so with neither the key
 * stays "~fault | kernel". Returns 1 when it keyed w.
 */
static int
trap_site(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct walk *w)
{
    struct tok ft;
    const char *reg;

    if (strcmp(w->cls, "x86_trap") || r->arch != KPT_ARCH_X86_64 || w->n_sig <= 0 ||
        !r->has_fault || w->named_sig || names_a_kext(w) ||
        clu_tokens(c, a, r, &r->fault, 1, &ft) != 1)
        return 0;
    if (ft.module ? !ft.kernel : (r->fault.addr >> 32) != 0xffffff80u)
        return 0; /* placed outside the kernel, or unplaced outside its half */
    w->nitems = 0;
    w->items[w->nitems++] = "~fault";
    w->items[w->nitems++] = "kernel";
    if ((reg = nearest_register(a, r)))
        w->items[w->nitems++] = reg;
    if (r->has_fault_data && r->fault_data < 0x4000)
        w->items[w->nitems++] = arena_printf(a, "null+0x%" PRIx64, r->fault_data);
    w->fault_keyed = 2;
    return 1;
}

/* a trap or abort whose frames say nothing (none, or none placed): the faulting pc the
 * message names says where, by its name or module */
void
clu_trap_items(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct walk *w)
{
    struct tok ft;

    if (trap_site(c, a, r, w))
        return;
    if (w->n_sig <= 0 || !r->has_fault || !frames_say_nothing(w->tok, w->sig_tok, w->sig) ||
        clu_tokens(c, a, r, &r->fault, 1, &ft) != 1)
        return;
    w->nitems = 0;
    w->items[w->nitems++] = "~fault";
    if (r->fault.addr < 0x1000)
        w->items[w->nitems++] = "null"; /* a call through a NULL pointer */
    else if (!(r->fault.addr >> 63))
        w->items[w->nitems++] = "user-space"; /* the kernel executing a user address */
    else
        w->items[w->nitems++] = ft.named || !ft.module ? ft.text : ft.module;
    /* a NULL-page access: its offset is a structure's field, the same on every build */
    if (r->has_fault_data && r->fault_data < 0x4000)
        w->items[w->nitems++] = arena_printf(a, "null+0x%" PRIx64, r->fault_data);
    w->fault_keyed = 1;
}
