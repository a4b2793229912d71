/*
 * xalloc.h - allocation that cannot fail, overflow-checked sizes, growable arrays.
 *
 * Out of memory is fatal (the process aborts with a message); limits on untrusted input
 * are ordinary errors and never reach these functions as huge sizes unchecked.
 */
#ifndef KPT_XALLOC_H
#define KPT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xmemdup0(const void *p, size_t n); /* copy of n bytes plus a NUL */

/* st_add()/st_mult() - a + b, a * b; abort on overflow. */
size_t st_add(size_t a, size_t b);
size_t st_mult(size_t a, size_t b);

/* KPT_BUG() - our own bug: print file:line and abort. */
#define KPT_BUG(...) kpt_bug(__FILE__, __LINE__, __VA_ARGS__)
void kpt_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/*
 * VEC_GROW() - make room for at least 'need' elements in array 'p' of capacity 'cap'.
 * Grows geometrically; 'p' may be NULL with 'cap' 0.
 */
#define VEC_GROW(p, need, cap)                                                                     \
    do {                                                                                           \
        if ((size_t)(need) > (cap)) {                                                              \
            size_t vec_n_ = (cap) ? (cap) : 8;                                                     \
            while (vec_n_ < (size_t)(need))                                                        \
                vec_n_ = st_mult(vec_n_, 2);                                                       \
            (p) = xrealloc((p), st_mult(vec_n_, sizeof(*(p))));                                    \
            (cap) = vec_n_;                                                                        \
        }                                                                                          \
    } while (0)

#endif
