/* pathcmp.h - the order in which a directory walk meets paths. */
#ifndef KPT_PATHCMP_H
#define KPT_PATHCMP_H

#include <stddef.h>

/* path_walk_cmp() - compare two paths component by component (each component in byte
 * order), which is the order of a walk that sorts every directory by name. */
int path_walk_cmp(const char *a, const char *b);

/* path_walk_cmp_n() - the same for a[0..la) and b[0..lb) */
int path_walk_cmp_n(const char *a, size_t la, const char *b, size_t lb);

#endif
