/*
 * outcommit.h - a run's outputs and its record (the history) replaced as one decision.
 *
 * outfile_commit() runs with every catchable signal blocked. Each output is first written,
 * flushed and synced to its temporary file (outfile_prepare()); then a journal
 * (OUTFILE_JOURNAL, beside the outputs' lock) lists each output, its temporary file and a
 * backup name; each output that exists gets a hard link under its backup name; every
 * temporary file is renamed over its output and the folders are synced; then the caller's
 * decide() (the history's commit) is the decision. When a rename fails, a signal is pending
 * or decide() fails, every output is put back from its backup (an output that did not exist
 * is removed) and nothing is recorded; once decide() succeeded the backups and the journal
 * are removed. Either way no temporary or backup file is left, and the signal is acted on
 * after the commit (unblocked).
 *
 * SIGKILL (or a crash, or a power cut) cannot be blocked: it can leave the journal, the
 * backups and a set of outputs part old, part new. The next commit in that folder finds the
 * journal (under the outputs' lock) and first finishes it: before the decision it puts every
 * output back, after it removes the backups. One window stays: a SIGKILL after decide()
 * made the history durable but before the journal says so (microseconds, or a SIGKILL
 * during the history's own commit) is rolled back as if the history had not recorded it.
 */
#ifndef KPT_OUTCOMMIT_H
#define KPT_OUTCOMMIT_H

#include <stddef.h>

#include "util/outfile.h"

/* 0: the decision is made (recorded); a negative enum kpt_err: it is not (roll back); the
 * decider says why itself */
typedef int outfile_decide_fn(void *ctx);

/*
 * outfile_commit() - under the outputs' lock (outfile_lock()): every output of v[0..n)
 * prepared and renamed into place, then decide(ctx) (NULL: none), as one decision. 0: all
 * replaced (each one marked committed: outfile_close() only frees it); KPT_E_IO (why in
 * err, one line a step, the last "nothing was replaced"; the driver prints them): none
 * replaced, decide() failed or was not called, every temporary file removed.
 */
int outfile_commit(struct outfile *v, size_t n, outfile_decide_fn *decide, void *ctx,
                   struct buf *err);

/*
 * outfile_journal_parse() - a journal's bytes: its state ('R': roll back, 'F': finish) and
 * each entry (the output, its temporary file, its backup or "", the temporary file's
 * device and inode). 0; KPT_E_PARSE when the bytes are no whole journal (each() is then
 * never called); each() returning non-zero stops with that value.
 */
struct outfile_jentry {
    const char *dest, *tmp, *old;
    unsigned long long dev, ino;
};
typedef int outfile_jentry_fn(void *ctx, int state, const struct outfile_jentry *e);
int outfile_journal_parse(const char *data, size_t len, outfile_jentry_fn *each, void *ctx);

#endif
