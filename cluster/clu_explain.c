/*
 * clu_explain.c - --explain: how a report's signature came about (SIGNATURES.md §7).
 */
#include <inttypes.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_walk.h"

static const char *const trust_name[] = {
    "",
    "",
    "kept: within 0x1000 of its symbol",
    "kept, approximate: the kernel printed it, within 64 KiB of its symbol",
    "dropped: too far past its symbol for a name the report printed",
};
static const char *const disp_name[] = { "beyond",      "plumbing",  "skipped",
                                         "irrelevant",  "recursion", "prefix",
                                         "significant", "tail",      "entry" };

/* the list entry that decided a token's fate, as "file:line", for --explain */
static const char *
rule_of(const struct clu_rules *c, struct arena *a, enum kpt_arch arch, enum disp d,
        const char *tok)
{
    const struct clu_list_entry *e = NULL;
    enum clu_list which = CLU_NLISTS;

    switch (d) {
    case D_PLUMBING:
        if ((e = clu_lists_which(c, CLU_PLUMB_COMMON, tok)))
            which = CLU_PLUMB_COMMON;
        else if (arch != KPT_ARCH_ARM64 && (e = clu_lists_which(c, CLU_PLUMB_X86, tok)))
            which = CLU_PLUMB_X86;
        else if ((e = clu_lists_which(c, CLU_PLUMB_ARM, tok)))
            which = CLU_PLUMB_ARM;
        break;
    case D_IRRELEVANT: e = clu_lists_which(c, which = CLU_IRRELEVANT, tok); break;
    case D_PREFIX: e = clu_lists_which(c, which = CLU_PREFIX, tok); break;
    case D_TAIL: e = clu_lists_which(c, which = CLU_TAIL, tok); break;
    case D_ENTRY:
        if (!(e = clu_lists_which(c, which = CLU_INTR_ENTRY, tok)))
            e = clu_lists_which(c, which = CLU_LOCK_SPIN, tok);
        break;
    case D_BEYOND:
    case D_SKIPPED:
    case D_RECURSION:
    case D_SIGNIFICANT: break;
    }
    return e && which < CLU_NLISTS ? arena_printf(a, "%s:%u", c->lists[which].file, e->line) : "";
}

/* --explain: the stackshot walk and the hang site */
static void
explain_hang(const struct kpt_report *r, struct buf *ex)
{
    const struct kpt_hang *h = r->hang;
    size_t i;

    if (!h)
        return;
    buf_addf(ex, "hang     starved: %s\n", h->service);
    if (r->ss)
        buf_addf(ex, "         stackshot: %zu processes, %zu threads, %zu images%s%s\n",
                 r->ss->nprocs, r->ss->nthreads, r->ss->nimages,
                 r->ss->dropped ? ", entries past the limits dropped" : "",
                 r->ss->damage ? ", damaged" : "");
    for (i = 0; i < h->nwalk; i++)
        buf_addf(ex, "         %s\n", h->walk[i]);
    if (h->process)
        buf_addf(ex, "         chosen: thread %" PRIu64 "%s%s%s of %s (pid %lld), %s: %s\n",
                 h->thread, h->thread_name ? " \"" : "", h->thread_name ? h->thread_name : "",
                 h->thread_name ? "\"" : "", h->process, (long long)h->pid,
                 h->state ? h->state : "-", h->why);
    for (i = 0; i < h->ndisp; i++)
        buf_addf(ex, "  %s\n", h->disp[i]);
    if (h->hang_id)
        buf_addf(ex, "hang_id  %s  %s\n", h->hang_id, h->site);
    else
        buf_addf(ex, "hang_id  -  (%s)\n", h->site_why ? h->site_why : h->why);
}

/* --explain: w as text */
void
clu_explain_walk(const struct clu_rules *c, struct arena *a, const struct kpt_report *r,
                 const struct walk *w, struct buf *ex)
{
    const char *kdk = kpt_kdk_match_name(r->kdk_match);
    size_t i;

    buf_addf(ex, "report   %s\n", r->path);
    buf_addf(ex, "format   %s  arch %s  build %s  kdk %s\n", kpt_format_name(r->format),
             kpt_arch_name(r->arch), r->os_build ? r->os_build : "-", kdk ? kdk : "-");
    buf_addf(ex, "algo     %s  rules %s\n", CLU_ALGO, clu_rules_digest(c));
    if (r->panic_source)
        buf_addf(ex, "t2       two panics: signed on the %s's; the other's: %s\n",
                 kpt_panic_source_name(r->panic_source), r->other_panic ? r->other_panic : "-");
    buf_addf(ex, "message  %s\n", w->msg);
    buf_addf(ex, "template %s\n", clu_mask(a, w->msg, 160));
    buf_addf(ex, "class    %s  N=%d", w->cls, w->n_sig);
    for (i = 0; i < w->nfields; i++)
        buf_addf(ex, "  %s", w->fields[i]);
    if (w->row != (size_t)-1)
        buf_addf(ex, "  (classes.tsv:%u)", c->rows[w->row].line);
    buf_addc(ex, '\n');
    if (w->have_plumb)
        buf_addf(ex, "window   %zu tokens, last plumbing #%zu, walk starts at #%zu\n", w->window,
                 w->last_plumb, w->start);
    else if (w->anchored)
        buf_addf(ex,
                 "window   %zu tokens, no plumbing named; walk starts at #%zu, the frame returning "
                 "into panic()'s caller\n",
                 w->window, w->start);
    else
        buf_addf(ex, "window   %zu tokens, no plumbing named; walk starts at #0\n", w->window);
    if (w->entry_skipped)
        buf_addf(ex,
                 "entry    a lock timeout under interrupt entry: walk starts at #%zu, the "
                 "interrupted code\n",
                 w->start);
    for (i = 0; i < w->ntok; i++) {
        const struct kpt_frame *f = &r->frames[w->tok[i].frame];

        buf_addf(ex, "  #%-3zu %-12s %-56s %-26s %s\n", i, disp_name[w->disp[i]], w->tok[i].text,
                 rule_of(c, a, r->arch, w->disp[i], w->tok[i].text), kpt_frame_display(a, f));
        if (w->tok[i].trust >= T_NEAR)
            buf_addf(ex,
                     "        name %s + 0x%" PRIx64
                     " printed by %s: %s (§4.1: 0x%x; 0x%x for the kernel's)\n",
                     f->function, f->func_off, f->sym_module ? f->sym_module : "-",
                     trust_name[w->tok[i].trust], TRUST_KEXT, TRUST_KERNEL);
        buf_addf(ex, "        placed %s\n", kpt_place_name(f->placed_by));
    }
    if (r->nframes && w->tok[w->ntok ? w->ntok - 1 : 0].frame + 1 < r->nframes)
        buf_addf(ex, "  (frames past #%zu collapsed or beyond the %d-token limit)\n",
                 w->ntok ? w->ntok - 1 : 0, MAX_TOKENS);
    buf_addf(ex, "quality  %s (%zu of %zu significant frames named)%s\n",
             kpt_quality_name(r->quality), w->named_sig, w->sig,
             w->fault_keyed == 2
                 ? "; keyed on the trap's site (a register near the faulting pc, a NULL-page "
                   "field), since no frame is named"
             : w->fault_keyed ? "; keyed on the faulting pc, since no frame is placed"
                              : "");
    if (w->kext_origin && !strcmp(w->cls, CLU_KEXT_PANIC))
        buf_adds(ex, "origin   panic() called by a kext: keyed on its message, frames fine-only\n");
    {
        int unnamed;
        const char *form = clu_join_form(a, r->signature, &unnamed);

        if (form && unnamed)
            buf_addf(ex,
                     "join     a kext frame no listed kext covers (the kext list cut?): in a run, "
                     "shown under "
                     "the one named cluster that reads %s (with several, apart)\n",
                     form);
        else if (r->quality == KPT_Q_LOWSYM && r->culprit && w->nitems &&
                 !strcmp(w->items[0], "~lowsym"))
            buf_addf(ex,
                     "join     unnamed frames: in a run, shown under the one named cluster of "
                     "coarse key %s "
                     "(with several, apart)\n",
                     r->coarse_id);
    }
    buf_addf(ex, "culprit  %s\n", r->culprit ? r->culprit : "-");
    buf_addf(ex, "primary  %s  %s\n", r->sig_id, r->signature);
    buf_addf(ex, "coarse   %s  %s\n", r->coarse_id, r->coarse);
    buf_addf(ex, "fine     %s\n", r->fine_id);
    buf_addf(ex, "canon    %s\n", w->primary_canon);
    explain_hang(r, ex);
}
