/*
 * outfile.h - outputs that appear whole or not at all.
 *
 * A regular-file output is written to a temporary file beside its destination and renamed
 * over it on commit; standard output, devices and FIFOs are written in place, and so are
 * /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N (through that descriptor, as the
 * shell opened it). A symbolic link is never replaced: the regular file it names is (the
 * temporary file beside that file), a device or FIFO it names is written in place, and a
 * link to nothing is refused. Every
 * temporary file is registered (util/cleanup.c) until it is committed or discarded: one
 * still registered when the process exits or is signalled is removed. Like git's
 * tempfile.c.
 */
#ifndef KPT_OUTFILE_H
#define KPT_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "util/buf.h"

struct outfile {
    const char *path; /* as given; NULL or "-": standard output */
    const char *dest; /* what is replaced: path, or the regular file a link of path names */
    char *real;       /* owned: that file's name, when path is a link */
    char *tmp;        /* the temporary file, while registered */
    FILE *f;          /* NULL: not open */
    int direct;       /* written in place: not a regular file */
    dev_t dev;        /* the temporary file's identity (a walk must not read it) */
    ino_t ino;
    dev_t old_dev; /* the file it replaces, when there is one (an earlier run's output) */
    ino_t old_ino;
    int has_old;
    int unnamed;   /* Linux O_TMPFILE: no name until the commit, none left if killed */
    int named;     /* the temporary file has its name, tmp, on disk */
    int committed; /* renamed into place by outfile_commit(): nothing left to do */
};

/* Errors: 0, or KPT_E_IO with the reason appended to err as one line (util/err.h,
 * kpt_fail_line(); NULL: not wanted). Nothing here prints: the driver does (diag_lines()). */

/* outfile_open() - start writing path */
int outfile_open(struct outfile *o, const char *path, struct buf *err);
/* outfile_flush() - 0, or KPT_E_IO when the stream has failed (no reason: the caller says) */
int outfile_flush(struct outfile *o);
/* outfile_prepare() - a file to be renamed: flushed, synced to disk, given its temporary
 * name (O_TMPFILE) and closed, ready for outfile_commit(); other outputs: nothing */
int outfile_prepare(struct outfile *o, struct buf *err);
/* outfile_close() - ok: commit (rename into place) unless outfile_commit() did, else
 * discard */
int outfile_close(struct outfile *o, int ok, struct buf *err);
/*
 * outfile_lock() - before the outputs v[0..n) are committed: an exclusive lock (fcntl) on
 * OUTFILE_LOCK in the directory of the first one that is renamed, so that two runs writing
 * the same outputs commit them one set after the other, never mixed. The file descriptor,
 * or OUTFILE_NO_LOCK (nothing to rename, or the lock file cannot be made), or
 * OUTFILE_LOCK_TIMEOUT when another process held it for OUTFILE_LOCK_WAIT_MS (the
 * environment's KPTRACE_BATCH_LOCK_WAIT, in seconds, overrides it; why in err, naming the
 * lock file): the caller then discards its outputs. The lock file stays, empty;
 * outfile_is_lock() names it (and OUTFILE_JOURNAL) so that a walk passes them over.
 */
#define OUTFILE_LOCK ".kptrace-batch.lock"
#define OUTFILE_JOURNAL ".kptrace-batch.journal" /* util/outcommit.c's, beside the lock */
#define OUTFILE_LOCK_WAIT_MS (10ul * 60 * 1000)  /* as long as the history waits */
#define OUTFILE_NO_LOCK (-1) /* no descriptor, as open(2) says it: not an enum kpt_err */
#define OUTFILE_LOCK_TIMEOUT (-2)
int outfile_lock(const struct outfile *v, size_t n, struct buf *err);
void outfile_unlock(int fd);
int outfile_is_lock(const char *path);
/* outfile_is_tmp() - 1 when (dev, ino) is o's temporary file, or the file it replaces */
int outfile_is_tmp(const struct outfile *o, dev_t dev, ino_t ino);

#endif
