/*
 * banned.h - string functions this code never calls (STYLE.md §10): each either writes past
 * its buffer when the input is longer than expected (strcpy, strcat, sprintf, vsprintf,
 * gets), cuts without terminating or scans quadratically (strncpy, strncat), hides state
 * (strtok), or cannot say a number was bad (atoi, sscanf). struct buf (util/buf.h),
 * snprintf and util/cursor.h do their work.
 *
 * Every compilation includes it first (the Makefile's -include): the C library's own
 * declarations are read here, then each name is poisoned, so any later use is a compile error.
 */
#ifndef KPT_BANNED_H
#define KPT_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC poison strcpy strcat strncpy strncat sprintf vsprintf strtok gets atoi sscanf

#endif
