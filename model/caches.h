/*
 * caches.h - the records of the two persistent caches, between the stage that reads their
 * files (readers/rd_symcache.c, readers/rd_catalogue.c) and the one that uses and writes them
 * (symbolicate/sym_cache.c, symbolicate/sym_kcache.c).
 *
 * A stage never includes another's header, so symbolicate/ gets the readers as the function
 * pointers of struct kpt_cache_readers, which the driver sets to readers/'s (rd.h:
 * rd_cache_readers), the way it hands stages diag_warn for their warnings.
 *
 * Both files are untrusted like every input: a line that is not one this tool writes is
 * skipped and counted, never half kept. Strings are malloc'd, NUL-terminated, hold no NUL.
 */
#ifndef KPT_CACHES_H
#define KPT_CACHES_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* The symbol cache: one file per module UUID, a header line "MAGIC<tab>IDENT" naming the format
 * and the lldb that answered (IDENT: its path, size and modification time), then one record per
 * lookup: ADDR(hex) FOUND(0|1) OFFSET(dec) LINE(dec) FUNCTION INLINED FILE, tab-separated,
 * tabs, newlines and backslashes escaped as \t \n \\ in the names. */
#define KPT_SYMCACHE_MAGIC "kptrace-batch symbol cache v1"
#define KPT_SYMCACHE_FILE_MAX (256u << 20) /* one module's answers */
#define KPT_SYMCACHE_RECORDS (4u << 20)    /* records kept from one file (the rest: skipped) */

struct kpt_symcache_rec {
    uint64_t addr; /* file address looked up */
    uint64_t off;  /* offset in the function */
    unsigned line; /* source line, 0: none */
    int found;     /* lldb named a function (the names may still be empty) */
    char *func;    /* at most KPT_MAX_FUNCTION_NAME bytes; NULL when empty */
    char *inl;     /* the same */
    char *file;    /* at most KPT_MAX_FILE_NAME bytes; NULL when empty */
};

struct kpt_symcache {
    struct kpt_symcache_rec *rec;
    size_t n, cap;
    int ours;   /* the header names this format and the lldb asked for */
    int intact; /* ours, and its last record whole: answers may be appended */
    size_t bad; /* records skipped (malformed, or past KPT_SYMCACHE_RECORDS) */
};
void kpt_symcache_release(struct kpt_symcache *c); /* contents freed, c empty */

/* The catalogue: what reading a KDK's files found, keyed by path, size, mtime (ns), inode. One
 * text file, KPT_CATALOGUE_FILE, beside the symbol cache; the header line KPT_CATALOGUE_MAGIC,
 * then lines (tab-separated; paths, ids and names hold no control character):
 *   M PATH SIZE MTIME_NS INO N  [CPU SUB UUID|- TEXT_VM|- TEXT_SIZE EXEC_VM|- EXEC_SIZE] x N
 *   P PATH SIZE MTIME_NS INO ID|- EXE|-
 * numbers decimal but the segments' (hex, no 0x); N = 0 records a file that is no 64-bit
 * Mach-O; ID "-" an unreadable Info.plist. A later line for the same (kind, path) replaces an
 * earlier one. */
#define KPT_CATALOGUE_MAGIC "kptrace-batch catalogue v1"
#define KPT_CATALOGUE_FILE "catalogue.v1"
#define KPT_CATALOGUE_MAX (64u << 20)    /* the file */
#define KPT_CATALOGUE_ENTRIES (1u << 20) /* lines kept (the rest: skipped) */
#define KPT_CATALOGUE_SLICES 8           /* slices of one Mach-O (symbolicate's MACHO_MAX_SLICES) */
#define KPT_CATALOGUE_PATH_MAX (64u << 10) /* a path (a KDK may nest deeper than PATH_MAX) */
#define KPT_CATALOGUE_NAME_MAX 1024u       /* a bundle id; an executable's name */

struct kpt_catalogue_slice {
    int cputype, cpusubtype; /* 0 to INT32_MAX */
    uint8_t uuid[16];
    unsigned has_uuid : 1, has_text : 1, has_exec : 1;
    uint64_t text_vm, text_size; /* __TEXT, when has_text: vm + size does not wrap */
    uint64_t exec_vm, exec_size; /* __TEXT_EXEC, when has_exec: the same */
};

struct kpt_catalogue_entry {
    char kind; /* 'M' (a Mach-O's slices) or 'P' (an Info.plist) */
    char *path;
    uint64_t size, mtime, ino;
    size_t nslices; /* M: 0 to KPT_CATALOGUE_SLICES (0: no 64-bit Mach-O) */
    struct kpt_catalogue_slice sl[KPT_CATALOGUE_SLICES];
    char *id, *exe; /* P: both, or both NULL (unreadable); exe holds no '/' */
};

struct kpt_catalogue {
    struct kpt_catalogue_entry *e; /* in the file's order */
    size_t n, cap;
    size_t bad; /* lines skipped: malformed, past KPT_CATALOGUE_ENTRIES, a last one cut, or
                 * a header of another format (1, and nothing read) */
};
void kpt_catalogue_release(struct kpt_catalogue *c); /* contents freed, c empty */

/*
 * The readers (readers/rd.h). Each reads the whole regular file at path (at most its _MAX
 * bytes) into c, which it first empties; 0, or a negative enum kpt_err with why in err
 * (NULL: not wanted): KPT_E_IO when the file cannot be read (missing, not a regular file),
 * KPT_E_LIMIT when too large, KPT_E_FORMAT when its header is not this format's (for the
 * symbol cache: and this lldb's, ident). Records that do not parse are skipped, not an error.
 */
typedef int kpt_symcache_read_fn(const char *path, const char *ident, struct kpt_symcache *c,
                                 struct buf *err);
typedef int kpt_catalogue_read_fn(const char *path, struct kpt_catalogue *c, struct buf *err);

struct kpt_cache_readers {
    kpt_symcache_read_fn *symcache;
    kpt_catalogue_read_fn *catalogue;
};

#endif
