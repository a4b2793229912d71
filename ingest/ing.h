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

#include "model.h"

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
 * named like another kind of report is KPT_ST_SKIPPED with what it is in r->error.
 */
const char *ing_kind_by_name(const char *path);
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
 * lim->max_file_bytes. On failure returns KPT_E_IO or KPT_E_LIMIT and sets *why to a static
 * or arena string describing the problem.
 */
int ing_load(const char *path, const struct kpt_limits *lim, struct arena *a, void **data,
             size_t *len, const char **why);

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
