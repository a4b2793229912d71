/* pathcmp.h - the order in which a directory walk meets paths. */
#ifndef KPT_PATHCMP_H
#define KPT_PATHCMP_H

/* path_walk_cmp() - compare two paths component by component (each component in byte
 * order), which is the order of a walk that sorts every directory by name. */
int path_walk_cmp(const char *a, const char *b);

#endif
