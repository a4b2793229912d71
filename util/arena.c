#include "util/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char mem[]; /* arena_alloc() promises 16-byte alignment */
};

/* Chunks past the first are kept for the next report, up to this many bytes: a fleet of
 * megabyte bodies then reuses the same memory instead of asking the system for fresh
 * pages (and faulting them in) for every report. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_SPARE_MAX 0u /* under ASan every cleared chunk is freed: stale pointers fault */
#else
#define ARENA_SPARE_MAX (32u << 20)
#endif

struct arena {
    struct chunk *head;
    struct chunk *spare; /* cleared chunks, for reuse */
    size_t chunk, used, spare_bytes;
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

    /* keep the oldest chunk (the last in the list); the others become spares while they
     * fit the bound */
    while (c && c->next) {
        next = c->next;
        if (a->spare_bytes + c->size <= ARENA_SPARE_MAX) {
            a->spare_bytes += c->size;
            c->next = a->spare;
            a->spare = c;
        } else {
            free(c);
        }
        c = next;
    }
    a->head = c;
    if (c)
        c->used = 0;
    a->used = 0;
}

void
arena_trim(struct arena *a)
{
    while (a->spare) {
        struct chunk *c = a->spare;

        a->spare = c->next;
        free(c);
    }
    a->spare_bytes = 0;
}

size_t
arena_held(const struct arena *a)
{
    const struct chunk *c;
    size_t n = a->spare_bytes;

    for (c = a->head; c; c = c->next)
        n += c->size;
    return n;
}

/* a spare of at least size bytes (the first that fits), or a new chunk */
static struct chunk *
chunk_get(struct arena *a, size_t size)
{
    struct chunk **pp, *c;

    for (pp = &a->spare; (c = *pp); pp = &c->next)
        if (c->size >= size) {
            *pp = c->next;
            a->spare_bytes -= c->size;
            c->next = NULL;
            c->used = 0;
            return c;
        }
    return chunk_new(size);
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
    for (c = a->spare; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

/* n bytes, 16-byte aligned, not zeroed */
static void *
alloc_raw(struct arena *a, size_t n)
{
    size_t need = st_add(n, 15) & ~(size_t)15;
    struct chunk *c = a->head;
    void *p;

    if (!need)
        need = 16;
    if (!c || c->size - c->used < need) {
        size_t sz = need > a->chunk ? need : a->chunk;

        c = chunk_get(a, sz);
        c->next = a->head;
        a->head = c;
    }
    p = c->mem + c->used;
    c->used += need;
    a->used += need;
    return p;
}

void *
arena_alloc(struct arena *a, size_t n)
{
    void *p = alloc_raw(a, n);

    memset(p, 0, n);
    return p;
}

/* n bytes as alloc_raw() gives them, or NULL when memory runs out: a spare chunk that fits
 * is taken first (a run of large reports reuses its chunks instead of asking malloc for
 * fresh, faulting pages each time) */
static void *
try_raw(struct arena *a, size_t n)
{
    struct chunk *c;
    size_t need, sz;

    if (n > ((size_t)-1) / 2)
        return NULL;
    need = (n + 15) & ~(size_t)15;
    if (!need)
        need = 16; /* as alloc_raw() asks */
    sz = need > a->chunk ? need : a->chunk;
    if (a->head && a->head->size - a->head->used >= need)
        return alloc_raw(a, n);
    for (c = a->spare; c; c = c->next)
        if (c->size >= sz)
            return alloc_raw(a, n); /* chunk_get() takes this one: no allocation */
    /* a chunk of its own, from malloc: memory running out is the caller's to say */
    if (!(c = malloc(sizeof(*c) + sz)))
        return NULL;
    c->size = sz;
    c->used = 0;
    c->next = a->head;
    a->head = c;
    return alloc_raw(a, n);
}

void *
arena_try_alloc(struct arena *a, size_t n)
{
    void *p = try_raw(a, n);

    if (p)
        memset(p, 0, n);
    return p;
}

char *
arena_try_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = n < ((size_t)-1) / 2 ? try_raw(a, n + 1) : NULL; /* every byte written below */

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
    char *p = alloc_raw(a, st_add(n, 1)); /* every byte written below */

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
