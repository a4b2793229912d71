/*
 * mem.h - byte searches POSIX leaves out (glibc and the BSDs have them under other
 * feature macros; these build everywhere).
 */
#ifndef KPT_MEM_H
#define KPT_MEM_H

#include <stddef.h>

/* kpt_memmem() - the first n-byte needle in h[0..hn), or NULL (an empty needle: h) */
void *kpt_memmem(const void *h, size_t hn, const void *needle, size_t n);
/* kpt_memrchr() - the last byte c in s[0..n), or NULL */
void *kpt_memrchr(const void *s, int c, size_t n);

#endif
