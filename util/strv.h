/*
 * strv.h - the one vector of strings: owned copies, always NULL-terminated (v[n] == NULL
 * once anything was pushed), growing geometrically. STRV_INIT is an empty vector; v is NULL
 * until the first push.
 */
#ifndef KPT_STRV_H
#define KPT_STRV_H

#include <stddef.h>

struct strv {
    char **v;
    size_t n, cap;
};
#define STRV_INIT                                                                                  \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* strv_push() - append a copy of s (aborts when memory runs out) */
void strv_push(struct strv *a, const char *s);
/* strv_release() - free the strings and the vector; a is empty and reusable */
void strv_release(struct strv *a);

#endif
