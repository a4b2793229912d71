/*
 * outfile.h - outputs that appear whole or not at all.
 *
 * A regular-file output is written to a temporary file beside its destination and renamed
 * over it on commit; standard output, devices and FIFOs are written in place. Every
 * temporary file is registered until it is committed or discarded: one that is still
 * registered when the process exits, or when SIGINT, SIGTERM, SIGHUP or SIGQUIT arrives,
 * is removed (the signal is then raised again with its default action, so the exit status
 * says which one). Like git's tempfile.c.
 */
#ifndef KPT_OUTFILE_H
#define KPT_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

struct outfile {
    const char *path; /* as given; NULL or "-": standard output */
    char *tmp;        /* the temporary file, while registered */
    FILE *f;          /* NULL: not open */
    int direct;       /* written in place: not a regular file */
    dev_t dev;        /* the temporary file's identity (a walk must not read it) */
    ino_t ino;
};

/* outfile_open() - start writing path; 0, or -1 with the reason on stderr */
int outfile_open(struct outfile *o, const char *path);
/* outfile_flush() - 0, or -1 when the stream has failed */
int outfile_flush(struct outfile *o);
/* outfile_close() - ok: commit (rename into place), else discard; 0 or -1 (said on stderr) */
int outfile_close(struct outfile *o, int ok);
/* outfile_is_tmp() - 1 when (dev, ino) is o's temporary file */
int outfile_is_tmp(const struct outfile *o, dev_t dev, ino_t ino);
/* outfile_remove_all() - remove every registered temporary file (async-signal-safe) */
void outfile_remove_all(void);

#endif
