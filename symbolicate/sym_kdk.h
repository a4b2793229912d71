/*
 * sym_kdk.h - the catalogue of kernels and kexts with their dSYMs (SYMBOLICATION.md §1-2),
 * built from KDKs and --kext folders (private to symbolicate/).
 *
 * Every path in the catalogue was found by walking directories the user named and passed
 * kdk_path_safe(): no control byte, no DEL, no backtick. These paths are the only strings
 * that ever reach an lldb command, besides numbers the tool formats itself.
 */
#ifndef KPT_SYM_KDK_H
#define KPT_SYM_KDK_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/hindex.h"

enum kdk_kind { KDK_KERNEL, KDK_KEXT };

struct kdk_mod {
    enum kdk_kind kind;
    char *bundle_id; /* kexts: CFBundleIdentifier */
    char *exe;       /* the executable (one variant) */
    char *dsym;      /* its DWARF file, or NULL when none matched by UUID */
    char *kdk;       /* the KDK directory it came from; NULL for --kext */
    char *build;     /* the KDK's build, from its name KDK_<version>_<build>.kdk */
    char *file;      /* the executable's base name, e.g. kernel.release.t6000 */
    int cputype, cpusubtype;
    uint8_t uuid[16];
    uint64_t text_vm, exec_vm, exec_size; /* __TEXT vmaddr; __TEXT_EXEC (or __TEXT) range */
};

/* a KDK the catalogue knows of; its binaries are read when a report may need them */
struct kdk_dir {
    char *dir;   /* absolute */
    char *build; /* from KDK_<version>_<build>.kdk, or NULL */
    char **ext;  /* Extensions entries (sorted), once listed */
    size_t next;
    unsigned kernels : 1, ext_listed : 1, kexts : 1; /* kernels read; kexts all read */
};

struct kdk_cat {
    struct kdk_mod **m; /* stable: sessions and lookups keep pointers to modules */
    size_t n, cap;
    struct kdk_dir *d;
    size_t nd, capd;
    size_t files_read;     /* binaries whose headers were read */
    struct kcache *kc;     /* the catalogue cache, or NULL (set by the owner) */
    struct hindex by_uuid; /* m by UUID: the first module with each */
    struct buf log;        /* one line per path skipped and why */
};

void kdk_cat_init(struct kdk_cat *c);
void kdk_cat_release(struct kdk_cat *c);

/* Register one KDK (a KDK_*.kdk directory) or every KDK_*.kdk in a root: nothing is read
 * until kdk_cat_need_*() asks. Return the number of KDKs registered. */
size_t kdk_cat_add_kdk(struct kdk_cat *c, const char *dir);
size_t kdk_cat_add_root(struct kdk_cat *c, const char *root);
/* Catalogue kexts (a .kext bundle or a folder searched for them) now; return how many. */
size_t kdk_cat_add_kexts(struct kdk_cat *c, const char *path);

/* What a report may need, read on demand (once each): the kernels of the KDKs of 'build';
 * a kernel by UUID (the KDKs whose names do not decide, then every KDK); a kext of the KDK
 * 'kdk' (NULL: those of 'build') by bundle id and UUID (uuid may be NULL), its bundle found
 * by name first, else every kext of that KDK; every kext of a KDK. */
void kdk_cat_need_build(struct kdk_cat *c, const char *build);
const struct kdk_mod *kdk_cat_need_kernel(struct kdk_cat *c, const uint8_t uuid[16]);
void kdk_cat_need_kext(struct kdk_cat *c, const char *kdk, const char *build, const char *id,
                       const uint8_t *uuid);
void kdk_cat_need_kexts(struct kdk_cat *c, const char *kdk);

const struct kdk_mod *kdk_cat_by_uuid(const struct kdk_cat *c, const uint8_t uuid[16]);
/* the kernel file 'file' of the KDK for 'build', or NULL */
const struct kdk_mod *kdk_cat_kernel(const struct kdk_cat *c, const char *build, const char *file);

/* 1 when p may be written into an lldb command (quoted by kdk_quote()) */
int kdk_path_safe(const char *p);
/* append p to out in double quotes, '"' and '\' escaped */
void kdk_quote(struct buf *out, const char *p);

/*
 * Between the catalogue's two files (sym_kdk.c registers and reads KDKs on demand with
 * these; sym_bundle.c makes the records). kdk_cat_add_binary() - every slice of Mach-O
 * 'exe' with a UUID, its dSYM the first of dsym_cand whose UUID matches; kdk_cat_add_bundle()
 * - a .kext bundle's executables (every variant) and its PlugIns; kdk_cat_add_tree() - every
 * .kext below dir. Each returns (or records) what it added; what it skipped, and why, goes
 * to c->log (kdk_cat_skip()).
 */
void kdk_cat_add_binary(struct kdk_cat *c, enum kdk_kind kind, const char *exe,
                        const char *bundle_id, const char *kdk, const char *build,
                        const char *const *dsym_cand, size_t ndsym);
size_t kdk_cat_add_bundle(struct kdk_cat *c, const char *bundle, const char *kdk, const char *build,
                          const char *dsym_root);
size_t kdk_cat_add_tree(struct kdk_cat *c, const char *dir, const char *kdk, const char *build,
                        const char *dsym_root);
void kdk_cat_skip(struct kdk_cat *c, const char *path, const char *why);
/* a/b (malloc'd); 1 when p is a directory, a regular file; s ends with suf; the sorted
 * entries of dir (no . and ..), freed with kdk_free_list() */
char *kdk_join(const char *a, const char *b);
int kdk_is_dir(const char *p);
int kdk_is_file(const char *p);
int kdk_ends_with(const char *s, const char *suf);
char **kdk_list_dir(const char *dir, size_t *n);
void kdk_free_list(char **v, size_t n);

#endif
