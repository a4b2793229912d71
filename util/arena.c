#include "util/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct chunk {
    struct chunk *next;
    size_t size, used;
    unsigned char mem[];
};

struct arena {
    struct chunk *head;
    size_t chunk, used;
};

static struct chunk *
chunk_new(size_t size)
{
    struct chunk *c = xmalloc(st_add(sizeof(*c), size));

    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

struct arena *
arena_new(size_t chunk)
{
    struct arena *a = xcalloc(1, sizeof(*a));

    a->chunk = chunk < 1024 ? 1024 : chunk;
    a->head = chunk_new(a->chunk);
    return a;
}

void
arena_clear(struct arena *a)
{
    struct chunk *c = a->head, *next;

    /* keep the oldest chunk (the last in the list) */
    while (c && c->next) {
        next = c->next;
        free(c);
        c = next;
    }
    a->head = c;
    if (c)
        c->used = 0;
    a->used = 0;
}

void
arena_free(struct arena *a)
{
    struct chunk *c, *next;

    if (!a)
        return;
    for (c = a->head; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
    size_t need = st_add(n, 15) & ~(size_t)15;
    struct chunk *c = a->head;
    void *p;

    if (!need)
        need = 16;
    if (!c || c->size - c->used < need) {
        size_t sz = need > a->chunk ? need : a->chunk;

        c = chunk_new(sz);
        c->next = a->head;
        a->head = c;
    }
    p = c->mem + c->used;
    c->used += need;
    a->used += need;
    memset(p, 0, n);
    return p;
}

void *
arena_try_alloc(struct arena *a, size_t n)
{
    struct chunk *c;
    size_t need;

    if (n > ((size_t)-1) / 2)
        return NULL;
    need = (n + 15) & ~(size_t)15;
    if (a->head && a->head->size - a->head->used >= need)
        return arena_alloc(a, n);
    /* a chunk of its own, from malloc: memory running out is the caller's to say */
    if (!(c = malloc(sizeof(*c) + (need > a->chunk ? need : a->chunk))))
        return NULL;
    c->size = need > a->chunk ? need : a->chunk;
    c->used = 0;
    c->next = a->head;
    a->head = c;
    return arena_alloc(a, n);
}

char *
arena_try_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = n < ((size_t)-1) / 2 ? arena_try_alloc(a, n + 1) : NULL;

    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, st_add(n, 1));

    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        KPT_BUG("vsnprintf failed for '%s'", fmt);
    p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t
arena_used(const struct arena *a)
{
    return a->used;
}
