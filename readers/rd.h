/*
 * rd.h - readers: this tool's own files read back, as untrusted input (a file may have been
 * edited or forged): a run's mergeable state (merge), an earlier run's clusters CSV
 * (--baseline), and the persistent caches (the symbol cache, the catalogue). Every field is checked
 * against its grammar (util/cursor.h, the model's tables), every count and number parsed checked; a
 * file that fails is refused whole with a negative enum kpt_err and why in err, never half read.
 * report/ writes these files.
 */
#ifndef KPT_RD_H
#define KPT_RD_H

#include <stddef.h>

#include "model/caches.h"
#include "model/fields.h"
#include "model/model.h"
#include "util/buf.h"

/* rd_state_load() - a state (--emit-state) into st (released with rd_state_release(), which
 * is harmless after a failure) */
int rd_state_load(const char *path, struct kpt_state *st, struct buf *err);
/* rd_state_parse() - the same from len bytes of data (path names it in messages) */
int rd_state_parse(const char *data, size_t len, const char *path, struct kpt_state *st,
                   struct buf *err);
void rd_state_release(struct kpt_state *st);
/* rd_state_row_report() - a state's report row back into r (strings in a): every field of
 * kpt_report_scalars (what a history records); KPT_E_FORMAT (r rejected) when the row is not one
 * this tool writes */
int rd_state_row_report(const struct kpt_state_row *row, struct arena *a, struct kpt_report *r);

/* rd_baseline_load() - a previous run's clusters CSV into b (released by the caller with
 * kpt_baseline_release()); rd_baseline_parse() from len bytes of data */
int rd_baseline_load(const char *path, struct kpt_baseline *b, struct buf *err);
int rd_baseline_parse(const char *data, size_t len, const char *path, struct kpt_baseline *b,
                      struct buf *err);

/* The caches (model/caches.h): a line that does not parse is skipped and counted (a cache is
 * rebuilt, not refused); the file as a whole fails only when unreadable, too large or of
 * another format. rd_*_load() read the regular file at path, rd_*_parse() len bytes of data;
 * both empty c first (released with kpt_symcache_release(), kpt_catalogue_release(), which
 * is harmless after a failure). The symbol cache is used only when its header names ident,
 * the lldb asked for. */
int rd_symcache_load(const char *path, const char *ident, struct kpt_symcache *c, struct buf *err);
int rd_symcache_parse(const char *data, size_t len, const char *ident, struct kpt_symcache *c,
                      struct buf *err);
int rd_catalogue_load(const char *path, struct kpt_catalogue *c, struct buf *err);
int rd_catalogue_parse(const char *data, size_t len, struct kpt_catalogue *c, struct buf *err);
/* rd_cache_readers - the two loads, for the driver to hand symbolicate/ (struct sym_opts) */
extern const struct kpt_cache_readers rd_cache_readers;

#endif
