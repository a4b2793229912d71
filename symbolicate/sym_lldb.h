/*
 * sym_lldb.h - one long-lived lldb child fed through pipes (SYMBOLICATION.md §5); private
 * to symbolicate/.
 *
 * Commands are built only from fixed keywords, numbers formatted here, UUIDs printed from
 * parsed bytes and catalogue paths (kdk_path_safe()); nothing taken from a report. Each
 * chunk of lookups ends with a sentinel; a child that crashes, hangs or prints garbage is
 * killed and restarted, the chunk retried and then bisected, so that only the lookups that
 * fail on their own are lost.
 */
#ifndef KPT_SYM_LLDB_H
#define KPT_SYM_LLDB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "symbolicate/sym_kdk.h"

struct lldb_opts {
    const char *lldb;        /* the program */
    const char *workdir;     /* a private 0700 directory: cwd and HOME of the child */
    const char *index_cache; /* lldb's own symbol index cache directory, or NULL */
    unsigned start_timeout_ms, chunk_timeout_ms;
    FILE *cmdlog; /* test mode: every line written to lldb is logged here */
};

enum lldb_status { LLDB_NONE = 0, LLDB_OK = 1, LLDB_FAILED = -1 };

struct lldb_res {
    int status;       /* enum lldb_status: resolved, nothing there, or lldb failed */
    char *module;     /* the module lldb named (its file name) */
    char *func, *inl; /* function (demangled, as lldb names it); inlined callee or NULL */
    char *file;       /* base name of the source file, or NULL */
    uint64_t off;     /* offset of the looked-up address into func */
    unsigned line;
    int cut; /* a name or file longer than its bound was cut (KPT_MAX_*) */
};

struct lldb_sess;

struct lldb_sess *lldb_new(const struct lldb_opts *o);
/* lldb_free() - stop the child (quit, then kill after 5 s) and free; NULL is a no-op */
void lldb_free(struct lldb_sess *s);

/*
 * lldb_add_module() - make module m (borrowed; must outlive s) available. The first module
 * added is the target, loaded at its link addresses; later ones at distinct bases. Returns
 * the base to add to m's file addresses to get lookup addresses.
 */
uint64_t lldb_add_module(struct lldb_sess *s, const struct kdk_mod *m);

/*
 * lldb_lookup() - resolve n lookup addresses into out[0..n) (the caller frees with
 * lldb_res_release()). Starts the child on first use. Returns 0, or a negative enum kpt_err
 * when the session gave up (every unresolved out[] is then LLDB_FAILED); lldb_error() says why.
 */
int lldb_lookup(struct lldb_sess *s, const uint64_t *addr, size_t n, struct lldb_res *out);
const char *lldb_error(const struct lldb_sess *s);
size_t lldb_starts(const struct lldb_sess *s);

void lldb_res_release(struct lldb_res *r);

/* lldb_parse_output() - the image lookup grammar of §5.3 on one chunk's stdout, for
 * addr[0..n) in order; exported for the fuzz target. */
void lldb_parse_output(const char *out, size_t len, const uint64_t *addr, size_t n,
                       struct lldb_res *res);

#endif
