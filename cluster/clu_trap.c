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

/* a trap or abort whose frames say nothing (none, or none placed): the faulting pc the
 * message names says where, by its name or module */
void
clu_trap_items(const struct clu_rules *c, struct arena *a, struct kpt_report *r, struct walk *w)
{
    struct tok ft;

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
