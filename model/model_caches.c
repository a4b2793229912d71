/* model_caches.c - the caches' records released (model/caches.h). */
#include <stdlib.h>
#include <string.h>

#include "model/caches.h"

void
kpt_symcache_release(struct kpt_symcache *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        free(c->rec[i].func);
        free(c->rec[i].inl);
        free(c->rec[i].file);
    }
    free(c->rec);
    memset(c, 0, sizeof(*c));
}

void
kpt_catalogue_release(struct kpt_catalogue *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        free(c->e[i].path);
        free(c->e[i].id);
        free(c->e[i].exe);
    }
    free(c->e);
    memset(c, 0, sizeof(*c));
}
