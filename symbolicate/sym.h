/*
 * sym.h - symbolicate: give every frame of a report its module, offset and function.
 *
 * This version does the address classification of SYMBOLICATION.md §3.3 in C, without a
 * KDK: each return address is placed in a kext of the report's 'Kernel Extensions in
 * backtrace' list (offset from the kext's load start) or in the kernel (offset = unslid
 * address − unslid kernel text base), and a name the report already carries (keepsyms) is
 * demangled and kept. Resolving names with lldb against KDKs is the next step and will
 * extend struct sym_opts; the call sequence stays the same:
 *
 *   struct sym_ctx *s = sym_ctx_new(&opts);
 *   for each report: sym_resolve(s, arena, report);
 *   sym_ctx_stats(s, &stats); sym_ctx_free(s);
 */
#ifndef KPT_SYM_H
#define KPT_SYM_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct sym_opts {
    int unused; /* KDKs, kexts, lldb path and jobs arrive with lldb symbolication */
};

struct sym_stats {
    size_t frames, in_kernel, in_kext, unknown, named;
};

struct sym_ctx;

struct sym_ctx *sym_ctx_new(const struct sym_opts *o);
void sym_ctx_free(struct sym_ctx *s); /* NULL is a no-op */

/*
 * sym_resolve() - fill module, mod_off, function and func_off of every frame of r; strings
 * land in arena a. Never fails on report content (a frame it cannot place keeps module
 * NULL); returns 0.
 */
int sym_resolve(struct sym_ctx *s, struct arena *a, struct kpt_report *r);

void sym_ctx_stats(const struct sym_ctx *s, struct sym_stats *out);

/*
 * sym_demangle() - the display name of a Mach-O symbol: one leading '_' dropped, then an
 * Itanium C++ name demangled. Result in arena a; never NULL.
 */
const char *sym_demangle(struct arena *a, const char *name);

/* sym_strip_pac() - canonical kernel pointer of a PAC-signed arm64 address. */
uint64_t sym_strip_pac(uint64_t addr);

#endif
