/*
 * longpath.h - open, stat and list by paths longer than PATH_MAX: the path is walked in
 * pieces shorter than PATH_MAX with openat(), each directory held open only until the next
 * piece is open. Shorter paths go straight to open(), stat() and opendir().
 */
#ifndef KPT_LONGPATH_H
#define KPT_LONGPATH_H

#include <dirent.h>
#include <sys/stat.h>

int lp_open(const char *path, int flags);                   /* open(2) */
int lp_stat(const char *path, struct stat *st, int follow); /* stat(2), or lstat(2) */
DIR *lp_opendir(const char *path);                          /* opendir(3) */

#endif
