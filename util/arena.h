/*
 * arena.h - a bump allocator: one per report. Everything parsed from a report lives in its
 * arena and goes with one arena_free(); whoever keeps data past that copies it out.
 */
#ifndef KPT_ARENA_H
#define KPT_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(size_t chunk);
void arena_free(struct arena *a);             /* NULL is a no-op */
void arena_clear(struct arena *a);            /* empty it for reuse (its chunks kept, bounded) */
void *arena_alloc(struct arena *a, size_t n); /* 16-byte aligned, zeroed; aborts on OOM */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* arena_try_alloc(), arena_try_strndup() - the same, but NULL when memory runs out (one
 * input's copy: the caller rejects that input instead of the run dying) */
void *arena_try_alloc(struct arena *a, size_t n);
char *arena_try_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t arena_used(const struct arena *a); /* bytes handed out since the last clear */
/* arena_trim() - the spare chunks arena_clear() kept for reuse, freed; arena_held(): the
 * bytes the arena holds (chunks in use and spares) */
void arena_trim(struct arena *a);
size_t arena_held(const struct arena *a);

#endif
