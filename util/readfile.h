/*
 * readfile.h - the one way the tool reads a file that is not a report (a state, a baseline,
 * a rule file, a cache file, a kext's Info.plist; reports go through ingest's ing_load()):
 * regular files only, opened without blocking (a FIFO or a device is refused, never waited
 * on), at most max bytes, and a reason that names the file; and the one loop that writes
 * a whole buffer (the caches, the commit journal).
 */
#ifndef KPT_READFILE_H
#define KPT_READFILE_H

#include <stddef.h>

#include "util/buf.h"

/* read_regular() - the whole file into *data (malloc'd, NUL-terminated; the caller frees)
 * and *len. 0; or a negative enum kpt_err with "PATH: why" appended to err (NULL: not
 * wanted). */
int read_regular(const char *path, size_t max, char **data, size_t *len, struct buf *err);
/* write_all() - all n bytes of p to fd, through EINTR and short writes: 0, or KPT_E_IO with
 * errno set by the write that failed (0 when it wrote nothing) */
int write_all(int fd, const void *p, size_t n);

#endif
