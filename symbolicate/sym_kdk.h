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

struct kdk_cat {
    struct kdk_mod *m;
    size_t n, cap;
    struct buf log; /* one line per path skipped and why */
};

void kdk_cat_init(struct kdk_cat *c);
void kdk_cat_release(struct kdk_cat *c);

/* Add one KDK (a KDK_*.kdk directory), every KDK_*.kdk in a root, or kexts (a .kext
 * bundle or a folder searched for them). Return the number of modules added. */
size_t kdk_cat_add_kdk(struct kdk_cat *c, const char *dir);
size_t kdk_cat_add_root(struct kdk_cat *c, const char *root);
size_t kdk_cat_add_kexts(struct kdk_cat *c, const char *path);

const struct kdk_mod *kdk_cat_by_uuid(const struct kdk_cat *c, const uint8_t uuid[16]);
/* the kernel file 'file' of the KDK for 'build', or NULL */
const struct kdk_mod *kdk_cat_kernel(const struct kdk_cat *c, const char *build, const char *file);

/* 1 when p may be written into an lldb command (quoted by kdk_quote()) */
int kdk_path_safe(const char *p);
/* append p to out in double quotes, '"' and '\' escaped */
void kdk_quote(struct buf *out, const char *p);

#endif
