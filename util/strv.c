/*
 * strv.c - the vector of strings (see strv.h).
 */
#include "util/strv.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void
strv_push(struct strv *a, const char *s)
{
    VEC_GROW(a->v, a->n + 2, a->cap);
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

void
strv_release(struct strv *a)
{
    size_t i;

    for (i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof(*a));
}
