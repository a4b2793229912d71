/*
 * buf.h - the one growable string.
 *
 * Invariants: data is never NULL and always NUL-terminated; len < alloc; a buffer never
 * grows past 'max' bytes (0 = no cap): an append that would is refused with KPT_E_LIMIT and
 * leaves the buffer as it was. buf_detach() is the only way to take ownership of data.
 */
#ifndef KPT_BUF_H
#define KPT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len, alloc, max;
    unsigned oom; /* a bounded buffer (max set) could not grow: memory ran out */
};

extern char buf_empty_[1];
#define BUF_INIT                                                                                   \
    {                                                                                              \
        buf_empty_, 0, 0, 0, 0                                                                     \
    }
#define BUF_INIT_MAX(m)                                                                            \
    {                                                                                              \
        buf_empty_, 0, 0, (m), 0                                                                   \
    }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b); /* frees contents; b is empty and reusable */
void buf_reset(struct buf *b);   /* length 0, memory kept */
char *buf_detach(struct buf *b, size_t *len);

/* Append; 0 or KPT_E_LIMIT (nothing appended). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
