/*
 * sym.h - symbolicate: give every frame of a report its module, offset, function and
 * source line (SYMBOLICATION.md).
 *
 * Addresses are placed in C: each return address goes to a kext of the report's "Kernel
 * Extensions in backtrace" (offset from its load start) or to the kernel (offset = unslid
 * address − unslid kernel text base), and, where a KDK or --kext bundle matches by UUID (or,
 * for a kernel without one, by build), to a link-time address. Names come from one
 * long-lived lldb per KDK, run in parallel, with every lookup deduplicated across reports
 * and remembered in a persistent cache. A report's names are hints (keepsyms) kept when no
 * KDK matches. The call sequence (only driver/ knows it):
 *
 *   s = sym_ctx_new(&opts, warn);            register the KDKs, catalogue --kext folders
 *   if (sym_needs_pass(s)) {                 pass 1, when there is anything to look up:
 *       for each report: sym_collect(s, a, r);  read what r may match from the KDKs, note
 *                                            what must be looked up (sym_prepare() for a
 *                                            report left out of the clusters)
 *       sym_run(s, warn);                    cache, then lldb workers in parallel
 *   }
 *   for each report: sym_resolve(s, a, r);   pass 2: fill the frames
 *   sym_ctx_stats(s); sym_ctx_free(s);
 *
 * Nothing taken from a report ever reaches an lldb command (see sym_lldb.h).
 */
#ifndef KPT_SYM_H
#define KPT_SYM_H

#include <stddef.h>
#include <stdint.h>

#include "model/caches.h"
#include "model/model.h"
#include "util/err.h"

struct sym_opts {
    int enabled;             /* 0: --no-symbolicate */
    const char *const *kdks; /* --kdk DIR */
    size_t nkdks;
    const char *const *roots; /* --kdk-root DIR (none: /Library/Developer/KDKs) */
    size_t nroots;
    const char *const *kexts; /* --kext PATH */
    size_t nkexts;
    const char *lldb;      /* NULL: lldb, then lldb-19 ... lldb-14 on PATH */
    unsigned jobs;         /* 0: the number of CPUs */
    const char *cache_dir; /* NULL: $XDG_CACHE_HOME/kptrace-batch */
    int no_cache;
    unsigned start_timeout_ms, chunk_timeout_ms; /* 0: 300 s, 30 s */
    const char *lldb_log; /* test mode: log every command sent to lldb here */
    /* the caches' readers (the driver passes readers/'s rd_cache_readers); NULL: the caches
     * are written, never read */
    const struct kpt_cache_readers *readers;
};

struct sym_ctx;

/* sym_ctx_new() - register the KDKs (read later, as far as reports need them) and catalogue
 * the --kext folders; what it could not use (a --kdk that is none, a path it skipped, a cache
 * folder refused) is told to 'warn' (util/err.h; NULL: nobody). Never fails: a run without
 * KDKs leaves every frame MODULE+0xOFFSET. */
struct sym_ctx *sym_ctx_new(const struct sym_opts *o, kpt_warn_fn *warn);
void sym_ctx_free(struct sym_ctx *s); /* NULL is a no-op */

/* sym_collect() - pass 1: note the lookups report r needs (copied; r may go after). */
void sym_collect(struct sym_ctx *s, struct arena *a, const struct kpt_report *r);
/* sym_prepare() - pass 1 for a report that is left out of the clusters: only read from the
 * KDKs what it may match, so that pass 2 places its frames as for any other (no lookups) */
void sym_prepare(struct sym_ctx *s, struct arena *a, const struct kpt_report *r);
/* sym_run() - answer every noted lookup from the cache, then from lldb (in parallel, one
 * worker per KDK kernel); write new answers to the cache. What went wrong on the way (no
 * private directory for lldb, a cache file not written) is told to 'warn' (NULL: nobody). */
void sym_run(struct sym_ctx *s, kpt_warn_fn *warn);
/* sym_resolve() - fill module, mod_off, function, func_off, file, line of every frame of r
 * (and r->fault), and r->kdk, r->kdk_match; strings in arena a. Never fails. */
void sym_resolve(struct sym_ctx *s, struct arena *a, struct kpt_report *r);
/* sym_needs_pass() - 1 when pass 1 is worth running (symbolication on: names to look up
 * in the catalogue, or to learn from what the reports print) */
int sym_needs_pass(const struct sym_ctx *s);
/* sym_needs_lookups() - 1 when pass 1 has catalogue lookups to collect; 0 when it only
 * learns printed names (reports that print none can be skipped) */
int sym_needs_lookups(const struct sym_ctx *s);

const struct kpt_symstats *sym_ctx_stats(const struct sym_ctx *s);

/* sym_demangle() - the display name of a Mach-O symbol: one leading '_' dropped, then an
 * Itanium C++ name demangled. Result in arena a; never NULL. */
const char *sym_demangle(struct arena *a, const char *name);

/* sym_strip_pac() - canonical kernel pointer of a PAC-signed arm64 address. */
uint64_t sym_strip_pac(uint64_t addr);

#endif
