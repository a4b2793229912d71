/*
 * ing.h - ingest: find input files, read them, and parse panic reports of every format.
 *
 * ing_parse() is a pure function (bytes in, report out: no I/O, no globals), so it can be
 * fuzzed directly. ing_walk() and ing_load() are the only functions here that touch the
 * file system; they never open anything but regular files, and never block on a FIFO.
 */
#ifndef KPT_ING_H
#define KPT_ING_H

#include <stddef.h>

#include "model/model.h"
#include "util/buf.h"

/*
 * ing_parse() - parse 'len' bytes of 'data' (borrowed; any bytes, NUL included) into 'r',
 * which kpt_report_init() prepared; every string lands in arena 'a'. Sniffs the format by
 * content (gzip, XML plist, .ips / JSON-wrapped, panic text), decompresses gzip itself.
 * Always fills r->status; r->error says why a report is partial, rejected or skipped (an .ips
 * of another bug_type than 210: KPT_ST_SKIPPED, KPT_E_FORMAT returned).
 * Returns 0 when a report was read (ok or partial), KPT_E_FORMAT when the input is not a
 * panic report, KPT_E_LIMIT when it exceeds a limit, KPT_E_PARSE when it cannot be read.
 */
int ing_parse(const void *data, size_t len, const struct kpt_limits *lim, struct arena *a,
              struct kpt_report *r);

/*
 * ing_kind_by_name() - for a file or member name that plainly names another kind of report
 * than a kernel panic (.crash, .spin, .hang, .diag, .DS_Store, ...), what it is (static);
 * else NULL. ing_parse_named() - ing_parse(), then an input that is no panic report but is
 * named like another kind of report is KPT_ST_SKIPPED with what it is in r->error; an
 * empty input is KPT_ST_SKIPPED (empty), KPT_E_FORMAT returned.
 */
const char *ing_kind_by_name(const char *path);
/* ing_name_looks_report() - 1 when a name (a file's or a member's) is a diagnostic report's */
int ing_name_looks_report(const char *name);
int ing_parse_named(const char *name, const void *data, size_t len, const struct kpt_limits *lim,
                    struct arena *a, struct kpt_report *r);

/*
 * ing_may_print_names() - 0 when 'len' bytes of 'data' certainly hold no backtrace frame with
 * a printed name ("0x... : 0x... MODULE : SYMBOL"), 1 when they may (gzip data: always). A
 * cheap test on the raw bytes, for passes that only want such frames.
 */
int ing_may_print_names(const void *data, size_t len);

/*
 * ing_load() - read file 'path' into a fresh malloc'd buffer (*data, *len; the caller
 * frees). Refuses anything but a regular file without blocking, and files over
 * lim->max_file_bytes. On failure returns KPT_E_IO or KPT_E_LIMIT and appends why to err
 * (util/err.h).
 */
int ing_load(const char *path, const struct kpt_limits *lim, void **data, size_t *len,
             struct buf *err);
/* ing_open() and ing_read() - ing_load() in two steps, for a caller that sizes what it will
 * hold between them: the file opened and checked (*fd, its *size; nothing to close on
 * failure), then read whole and closed */
int ing_open(const char *path, const struct kpt_limits *lim, int *fd, size_t *size,
             struct buf *err);
int ing_read(int fd, const struct kpt_limits *lim, void **data, size_t *len, struct buf *err);

/*
 * Archives (ing_archive.c): zip, tar, cpio, 7z, plain or compressed (gzip, bzip2, xz, zstd,
 * lz4), and archives inside them to KPT_MAX_ARCHIVE_DEPTH levels; a lone bzip2, xz, zstd
 * or lz4 stream too (one member: the file itself). A member's path is the archive's path,
 * '!', and its name in the archive (its bytes, as a file's name, cut at 1,024 bytes; the
 * outputs escape it as they do any path), again for each archive inside:
 * "a.tar.gz!x/b.zip!c.ips". Two members may have one path (the caller sets them apart).
 */
struct ing_member {
    const char *path;   /* as above: the row's path */
    const char *member; /* the innermost name (after the last '!'), or NULL for a lone stream */
    const void *data;   /* its bytes, borrowed until the callback returns; NULL with why */
    size_t len;
    const char *why;  /* NULL, or why it was not read (a limit, encrypted, damaged) */
    const char *link; /* a link member: what it links to (nothing read: data NULL), else NULL */
    int hard_link;    /* ... a hard link (to an earlier member), else a symbolic one */
};
typedef int ing_member_fn(const struct ing_member *m, void *ctx);
struct ing_archive_stats {
    char kind[64];       /* "tar, gzip", "zip", "compressed file, xz" */
    int raw;             /* a lone compressed stream, not an archive */
    size_t members;      /* regular members met, every level */
    size_t nested;       /* archives inside it that were read */
    char *damage;        /* why the archive could not be read to its end (malloc'd), or NULL */
    size_t damage_after; /* members met before it */
};
/*
 * ing_archive_read() - call fn once for every regular member of the archive at 'path'
 * (stops early when fn returns non-zero: KPT_E_IO). Bounds: lim->max_file_bytes per member
 * once decompressed, lim->max_archive_bytes decompressed in all, lim->max_members. Returns
 * KPT_E_FORMAT before any call when the file is no archive (read it as a report); else 0,
 * or KPT_E_PARSE / KPT_E_LIMIT with st->damage saying why the rest was not read. The
 * caller frees st->damage. Opens only regular files, without blocking.
 */
int ing_archive_read(const char *path, const struct kpt_limits *lim, ing_member_fn *fn, void *ctx,
                     struct ing_archive_stats *st);
/* ing_archive_read_mem() - the same for len bytes of data (borrowed) named 'name' (fuzzing) */
int ing_archive_read_mem(const void *data, size_t len, const char *name,
                         const struct kpt_limits *lim, ing_member_fn *fn, void *ctx,
                         struct ing_archive_stats *st);
/*
 * ing_parse_member() - ing_parse_named() for an archive member named 'member' (NULL: a lone
 * compressed stream, always a report); returns ING_OTHER, r left as it is, for a member that
 * is no diagnostic report at all (neither a panic report nor named like any report: logs,
 * plists, databases), which is counted, not listed.
 */
#define ING_OTHER 1
int ing_parse_member(const char *member, const void *data, size_t len, const struct kpt_limits *lim,
                     struct arena *a, struct kpt_report *r);
/* ing_parse_file() - ing_parse_named() for a file at 'path', by the members' rule: a file
 * that is no report and not named like one is KPT_ST_SKIPPED as another kind of file, an
 * empty one too (KPT_E_FORMAT returned) */
int ing_parse_file(const char *path, const void *data, size_t len, const struct kpt_limits *lim,
                   struct arena *a, struct kpt_report *r);

/*
 * ing_walk() - call fn(path, why, ctx) once for every input under 'path': a file, or every
 * entry of a directory searched recursively (sorted by name; symlinked directories followed
 * once, loops refused). 'why' is NULL for an input to read, or the reason it cannot be
 * (not a regular file, unreadable directory, symlink loop); such inputs must still be
 * accounted for. Stops early and returns fn's value when fn returns non-zero; otherwise 0.
 */
typedef int ing_walk_fn(const char *path, const char *why, void *ctx);
struct ing_walker;
int ing_walk(struct ing_walker *w, const char *path, ing_walk_fn *fn, void *ctx);
/* ing_walker_new() - what the walks of one pass share: every directory is walked once, a
 * file reached by two paths (overlapping PATHs, hard or symbolic links) gives one row, and a
 * directory link leading outside 'roots' (the given paths) is not followed (its row says
 * why). Memory grows with directories and linked files, not with plain files. */
struct ing_walker *ing_walker_new(const char *const *roots, size_t nroots);
void ing_walker_free(struct ing_walker *w); /* NULL is a no-op */

#endif
