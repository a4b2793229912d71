/*
 * sym_int.h - inside symbolicate/: the context and the lookups it holds, shared by the
 * context and passes (sym.c), the on-disk cache (sym_cache.c), placement and address math
 * (sym_place.c), the lldb workers (sym_pool.c) and lldb and cache discovery (sym_find.c).
 */
#ifndef KPT_SYM_INT_H
#define KPT_SYM_INT_H

#include <pthread.h>
#include <stdio.h>

#include "symbolicate/sym.h"
#include "symbolicate/sym_kdk.h"
#include "symbolicate/sym_lldb.h"
#include "util/hindex.h"

/* 'X base − X slide' is one constant per platform (FORMATS.md §6.3) */
#define INTEL_UNSLID_TEXT 0xffffff8000200000ull
#define ARM64_UNSLID_TEXT 0xfffffe0007004000ull
#define ARM64_OLD_UNSLID_TEXT 0xfffffff007004000ull
#define KEXT_GUESS_SIZE (16ull << 20) /* a kext printed without END is assumed no larger */

enum { E_PENDING = 2 }; /* beside LLDB_OK, LLDB_NONE, LLDB_FAILED */

struct entry {
    const struct kdk_mod *mod;
    uint64_t addr; /* file address looked up (link − adj) */
    size_t sess;
    int status, from_cache, cached_on_disk;
    char *func, *inl, *file;
    uint64_t off;
    unsigned line;
};

struct sess {
    const struct kdk_mod *primary;
    size_t *ents, n, cap;
};

struct sym_ctx {
    struct sym_opts o;
    struct kdk_cat cat;
    struct entry *e;
    size_t ne, cape;
    struct hindex ix; /* e by module UUID and address */
    struct sess *ss;
    size_t nss, capss;
    struct cached {
        const struct kdk_mod *m;
        int intact; /* its file is ours and whole: append to it; else rewrite it */
    } * cache_loaded;
    size_t ncl, capcl;
    char *lldb, *ident, *cache_dir;
    struct kpt_symstats st;
    pthread_mutex_t mu;
    size_t next_sess;
    struct lldb_opts lo;
    FILE *cmdlog;
    struct sym_learn *learn;
    size_t cat_logged; /* bytes of cat.log told to warn */
    kpt_warn_fn *warn; /* where warnings go (sym_ctx_new(), then sym_run()), or NULL */
};

/* sym_warn.c: a warning to s->warn, formatted (nothing when no one listens); the lines of
 * cat.log not told yet, one warning each */
void sym_warn(const struct sym_ctx *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sym_warn_catalogue(struct sym_ctx *s);

/* sym.c: 1 when there are KDKs or kexts to look in; the catalogue's counts into st */
int sym_catalogue(const struct sym_ctx *s);
void sym_count_catalogue(struct sym_ctx *s);

/* one frame's address placed: its module and offset, the catalogued binary, the lookup */
struct fl {
    const struct kpt_kext *kext;
    uint64_t mod_off;
    const struct kdk_mod *mod; /* catalogued module, or NULL */
    uint64_t lookup;           /* file address looked up */
    uint64_t adj;
    enum kpt_place placed; /* KPT_PL_NONE: outside every known range */
    int pac;
    const char *name;    /* the module: KPT_MODULE_KERNEL or a bundle id, when placed */
    int kernel;          /* placed in the kernel */
    const uint8_t *uuid; /* the binary's UUID, when known (learning is by it) */
};

/* sym_table.c: the lookup table */
struct entry *sym_table_find(const struct sym_ctx *s, const struct kdk_mod *m, uint64_t addr);
struct entry *sym_table_add(struct sym_ctx *s, const struct kdk_mod *m, uint64_t addr);

/* sym_cache.c: one file per module UUID in the cache directory */
void sym_cache_load(struct sym_ctx *s, const struct kdk_mod *m);
/* sym_cache_read() - the records of the cache file at path (read by s->o.readers) into the
 * table for m; returns 1 when the file is whole and this lldb's (answers may be appended) */
int sym_cache_read(struct sym_ctx *s, const struct kdk_mod *m, const char *path);
void sym_cache_write(struct sym_ctx *s);

/* sym_place.c: the report's kernel in the catalogue (how, in *how), a kext's binary, and
 * one address placed and looked up */
const struct kdk_mod *sym_match_kernel(const struct sym_ctx *s, struct arena *a,
                                       const struct kpt_report *r, enum kpt_kdk_match *how);
const struct kdk_mod *sym_match_kext(const struct sym_ctx *s, const struct kpt_report *r,
                                     const struct kpt_kext *k, const struct kdk_mod *kernel);
/* sym_need() - pass 1: read from the KDKs what report r may match (its build's kernels, its
 * kernel by UUID); sym_need_kexts(): the kexts it references, in its kernel's KDK */
void sym_need(struct sym_ctx *s, const struct kpt_report *r);
void sym_need_kexts(struct sym_ctx *s, const struct kpt_report *r, const struct kdk_mod *kernel);
void sym_frame_lookup(const struct sym_ctx *s, const struct kpt_report *r,
                      const struct kdk_mod *kernel, uint64_t a, int is_return, struct fl *out);

/* sym_hang.c: a stackshot frame (f->image set) placed and looked up */
void sym_image_lookup(const struct sym_ctx *s, const struct kpt_report *r,
                      const struct kdk_mod *kernel, const struct kpt_frame *f, struct fl *out);

/* sym_learn.c: names reports print, learned by (binary UUID, module offset) in pass 1 */
struct sym_learn;
struct sym_learn *sym_learn_new(void);
void sym_learn_free(struct sym_learn *l);
void sym_learn_note(struct sym_learn *l, const uint8_t uuid[16], uint64_t off, const char *name,
                    uint64_t func_off);
/* sym_learn_decide() - after pass 1: each fact's winner; counts of facts, conflicts and
 * printed names not kept (past LEARN_MAX facts or CANDIDATES_MAX names a fact) */
void sym_learn_decide(struct sym_learn *l, size_t *facts, size_t *conflicts, size_t *dropped);
/* sym_learn_find() - the name learned for (uuid, off) (mangled, as printed), or NULL */
const char *sym_learn_find(const struct sym_learn *l, const uint8_t uuid[16], uint64_t off,
                           uint64_t *func_off);

/* sym_find.c: the lldb to run (NULL: none found); the default cache directory (NULL: no
 * home); a directory and its parents, 0700 */
char *sym_find_lldb(const char *want);
/* sym_absolute() - path made absolute against the current directory (lldb runs elsewhere) */
char *sym_absolute(const char *path);
char *sym_default_cache_dir(void);
/* sym_cache_dir_check() - 0 when the cache directory may be used (or is not there yet);
 * else a negative enum kpt_err, and why (another user's, writable by others, not a
 * directory) appended to err. sym_mkdir_p() - path and its parents made (0700): 0 or KPT_E_IO */
int sym_cache_dir_check(const char *path, struct buf *err);
int sym_mkdir_p(const char *path);

#endif
