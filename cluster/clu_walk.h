/*
 * clu_walk.h - private to cluster/: what a signature was computed from (SIGNATURES.md §4-§5),
 * shared by the walk (clu_sig.c), the trap site (clu_trap.c) and --explain (clu_explain.c).
 */
#ifndef KPT_CLU_WALK_H
#define KPT_CLU_WALK_H

#include "cluster/clu_int.h"

#define WINDOW 16
#define WALK_MAX 6

enum disp {
    D_BEYOND,
    D_PLUMBING,
    D_SKIPPED,
    D_IRRELEVANT,
    D_RECURSION,
    D_PREFIX,
    D_SIGNIFICANT,
    D_TAIL,
    D_ENTRY
};

/* everything a signature was computed from, for --explain */
struct walk {
    const char *msg, *cls, **fields;
    size_t nfields, row;
    int n_sig;
    struct tok tok[MAX_TOKENS];
    enum disp disp[MAX_TOKENS];
    size_t ntok, window, start, last_plumb;
    int have_plumb, anchored;
    int entry_skipped; /* a lock timeout's interrupt entry was skipped (§4.2, draft4) */
    int kext_origin;   /* the panic() was a kext's own (§3.3 kext_panic) */
    int fault_keyed;   /* keyed on the faulting pc: the frames said nothing (2: the trap's site) */
    size_t sig, named_sig; /* significant tokens; of them named */
    const char *primary_canon;
    /* the walk's results the keys are made of */
    const char *walked[WALK_MAX + 1], *items[WALK_MAX + 2], *key_fields[8];
    size_t nwalked, nitems, nkey;
    int sig_tok[WALK_MAX + 1];
};

/* clu_trap_items() - a trap or abort whose frames say nothing: its items from the faulting pc
 * (clu_trap.c) */
void clu_trap_items(const struct clu_rules *c, struct arena *a, struct kpt_report *r,
                    struct walk *w);
/* clu_explain_walk() - w as --explain's text (clu_explain.c) */
void clu_explain_walk(const struct clu_rules *c, struct arena *a, const struct kpt_report *r,
                      const struct walk *w, struct buf *ex);

#endif
