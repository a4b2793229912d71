/*
 * pipeline_pool.c - a pass's inputs worked on by threads, consumed in input order.
 *
 * A ring of slots, the window: the walk submits an input into the next free slot, a worker
 * takes the oldest slot not yet taken and works on it (reads, parses, signs: the pure part),
 * and the thread that submits consumes the oldest slot once it is done, when the ring is full
 * and at the end (working on jobs no worker took yet while it waits: it is the last of -j's
 * workers): so slots are consumed exactly in the order they were submitted, by one thread,
 * and at most 'window' reports are in memory at once, whatever the number of inputs.
 * Bytes are bounded too, whatever -j: a job reserves what its input will hold from the
 * pool's budget before reading it and keeps what its arena holds until it is consumed;
 * a job that does not fit waits, except the oldest one (consumed next: it always goes on,
 * so nothing deadlocks, and an input larger than the budget is read alone, as at -j1) and
 * one the walking thread works on (it frees the budget: it never waits for it).
 * The slot's arena is the only memory a worker writes; everything else it reads is left
 * alone by the consuming thread while any slot is out (see pipeline_int.h). One job: no
 * thread, each input worked on and consumed as it is submitted.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/pipeline_int.h"
#include "util/xalloc.h"

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct pipeline_pool {
    struct pipeline_job *slot; /* [window] */
    enum slot_state *state;    /* [window], under mu */
    size_t window, nslots;     /* slots in use; slots allocated */
    size_t head, next, tail;   /* counters: oldest unconsumed, next to take, next to fill */
    pthread_t *th;
    size_t nth;
    int quit; /* under mu: the workers go */
    pthread_mutex_t mu;
    pthread_cond_t queued, done;
    pipeline_work_fn *work;
    pipeline_consume_fn *consume;
    void *ctx;
    size_t budget;          /* the cap of bytes in flight */
    _Atomic size_t used;    /* reserved: changed under mu, or by a job settling without it */
    _Atomic size_t waiting; /* jobs waiting for room in the budget (changed under mu) */
    _Atomic size_t *held;   /* [nslots]: what each slot's job has reserved (its 'reserved') */
    pthread_cond_t room;    /* under mu: a reservation was released */
    int oldest_wait;        /* under mu: the consuming thread waits for the oldest's reservation */
    int stopped;            /* consume said stop: the rest is discarded */
    int stop_ret;           /* what consume said when it stopped */
};

static void *
worker(void *arg)
{
    struct pipeline_pool *p = arg;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct pipeline_job *j;
        size_t i;

        while (p->next == p->tail && !p->quit)
            pthread_cond_wait(&p->queued, &p->mu);
        if (p->next == p->tail)
            break;
        i = p->next++ % p->window;
        p->state[i] = SLOT_BUSY;
        j = &p->slot[i];
        j->on_consumer = 0;
        pthread_mutex_unlock(&p->mu);
        p->work(p->ctx, j);
        pthread_mutex_lock(&p->mu);
        p->state[i] = SLOT_DONE;
        pthread_cond_signal(&p->done); /* only the consuming thread waits on it */
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

unsigned
pipeline_jobs(unsigned asked)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (asked)
        return asked;
    return cpus > 0 ? (unsigned)(cpus > 256 ? 256 : cpus) : 1;
}

struct pipeline_pool *
pipeline_pool_new(unsigned jobs, size_t budget, pipeline_work_fn *work,
                  pipeline_consume_fn *consume, void *ctx)
{
    struct pipeline_pool *p = xcalloc(1, sizeof(*p));
    size_t i;

    /* a cap that the reservations of every slot (each at most the cap) cannot wrap: 4 slots
     * a job at -j256 and the walking thread's (8 PiB on a 64-bit system) */
    p->budget = budget < SIZE_MAX / 2048 ? budget : SIZE_MAX / 2048;
    p->work = work;
    p->consume = consume;
    p->ctx = ctx;
    /* the walking thread works too, while it waits for the oldest job: jobs - 1 threads */
    p->nth = jobs > 1 ? jobs - 1 : 0;
    /* four slots a worker: a slow input (a megabyte stackshot) does not idle the others */
    p->window = p->nth ? 4 * (size_t)jobs : 1;
    p->nslots = p->window;
    p->slot = xcalloc(p->nslots, sizeof(*p->slot));
    p->state = xcalloc(p->nslots, sizeof(*p->state));
    p->held = xcalloc(p->nslots, sizeof(*p->held));
    atomic_init(&p->used, 0);
    atomic_init(&p->waiting, 0);
    for (i = 0; i < p->nslots; i++) {
        atomic_init(&p->held[i], 0);
        p->slot[i].arena = arena_new(256 * 1024);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->queued, NULL);
    pthread_cond_init(&p->done, NULL);
    pthread_cond_init(&p->room, NULL);
    if (p->nth) {
        p->th = xcalloc(p->nth, sizeof(*p->th));
        for (i = 0; i < p->nth; i++)
            if (pthread_create(&p->th[i], NULL, worker, p)) {
                p->nth = i; /* fewer workers than asked: the rest of the run is the same */
                break;
            }
    }
    if (!p->nth)
        p->window = 1;
    return p;
}

static void
release_job(struct pipeline_job *j)
{
    free(j->path);
    free(j->why);
    free(j->data);
    j->path = j->why = NULL;
    j->data = NULL;
}

/* the oldest slot, once its worker is done: consumed (or only released, once stopped) */
static int
consume_oldest(struct pipeline_pool *p)
{
    size_t i = p->head % p->window;
    int ret = 0;

    if (p->nth) {
        pthread_mutex_lock(&p->mu);
        while (p->state[i] != SLOT_DONE) {
            size_t k;

            if (p->next == p->tail) {
                pthread_cond_wait(&p->done, &p->mu);
                continue;
            }
            /* a job no worker took yet (the oldest, or a later one): done here rather
             * than waiting idle, the walking thread being the last of -j's workers; a
             * later one only once the oldest has its memory and while three quarters of
             * the budget are free (this thread never waits for the budget: it is the one
             * that frees it) */
            if (p->next != p->head &&
                (!atomic_load(&p->held[i]) || atomic_load(&p->used) > p->budget / 4)) {
                /* woken when the oldest is done, or (not reserved yet) once it reserves: its
                 * worker has only just taken it, and waiting for all of it idled this thread
                 * for most of the run (it helped with 15% of the inputs at -j2, not half) */
                p->oldest_wait = !atomic_load(&p->held[i]);
                pthread_cond_wait(&p->done, &p->mu);
                p->oldest_wait = 0;
                continue;
            }
            k = p->next++ % p->window;
            p->slot[k].on_consumer = 1;
            if (p->stopped) { /* it would be thrown away */
                p->state[k] = SLOT_DONE;
                continue;
            }
            p->state[k] = SLOT_BUSY;
            pthread_mutex_unlock(&p->mu);
            p->work(p->ctx, &p->slot[k]);
            pthread_mutex_lock(&p->mu);
            p->state[k] = SLOT_DONE;
        }
        pthread_mutex_unlock(&p->mu);
    } else if (!p->stopped) {
        p->slot[i].on_consumer = 1;
        p->work(p->ctx, &p->slot[i]);
    }
    if (!p->stopped && (ret = p->consume(p->ctx, &p->slot[i])) != 0) {
        p->stopped = 1;
        p->stop_ret = ret;
    }
    release_job(&p->slot[i]);
    arena_clear(p->slot[i].arena);
    arena_trim(p->slot[i].arena); /* what it held is no longer in flight */
    pthread_mutex_lock(&p->mu);
    atomic_fetch_sub(&p->used, p->slot[i].reserved);
    p->slot[i].reserved = 0;
    atomic_store(&p->held[i], 0);
    p->state[i] = SLOT_FREE;
    p->head++; /* the next job is the oldest now: it never waits for the budget */
    if (atomic_load(&p->waiting))
        pthread_cond_broadcast(&p->room);
    pthread_mutex_unlock(&p->mu);
    return ret;
}

/* the oldest job, and the walking thread's, never wait: the one is consumed next, the
 * other is the thread that consumes */
static int
must_wait(struct pipeline_pool *p, const struct pipeline_job *j, size_t bytes)
{
    return !j->on_consumer && j->seq != p->head && atomic_load(&p->used) + bytes > p->budget;
}

void
pipeline_pool_reserve(struct pipeline_pool *p, struct pipeline_job *j, size_t bytes)
{
    if (bytes > p->budget) /* read alone, as the oldest: no more than all the budget */
        bytes = p->budget;
    pthread_mutex_lock(&p->mu);
    while (must_wait(p, j, bytes)) {
        /* counted before the budget is read again: a job settling in between (without the
         * lock) sees it and wakes this one */
        atomic_fetch_add(&p->waiting, 1);
        if (must_wait(p, j, bytes))
            pthread_cond_wait(&p->room, &p->mu);
        atomic_fetch_sub(&p->waiting, 1);
    }
    atomic_fetch_add(&p->used, bytes);
    j->reserved += bytes;
    atomic_store(&p->held[j - p->slot], j->reserved);
    if (p->oldest_wait && j->seq == p->head)
        pthread_cond_signal(&p->done); /* the consuming thread may help with a later job now */
    pthread_mutex_unlock(&p->mu);
}

/* without the lock unless a job waits for room: a worker's third lock a job made the
 * two threads of -j2 contend for it on most inputs */
void
pipeline_pool_settle(struct pipeline_pool *p, struct pipeline_job *j, size_t bytes)
{
    size_t was = j->reserved;

    j->reserved = bytes;
    atomic_store(&p->held[j - p->slot], bytes);
    atomic_fetch_add(&p->used, bytes - was); /* modulo: a settle may give bytes back */
    if (atomic_load(&p->waiting)) {          /* a wake-up only when one waits: most runs never do */
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->room);
        pthread_mutex_unlock(&p->mu);
    }
}

int
pipeline_pool_submit(struct pipeline_pool *p, const char *path, const char *why)
{
    struct pipeline_job *j;
    int ret = 0;

    if (p->stopped)
        return p->stop_ret;
    if (p->tail - p->head == p->window && (ret = consume_oldest(p)) != 0)
        return ret;
    j = &p->slot[p->tail % p->window];
    j->path = xstrdup(path);
    j->why = why ? xstrdup(why) : NULL;
    j->seq = p->tail;
    if (!p->nth) {
        p->tail++;
        return consume_oldest(p);
    }
    pthread_mutex_lock(&p->mu);
    p->state[p->tail % p->window] = SLOT_QUEUED;
    p->tail++;
    pthread_cond_signal(&p->queued);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int
pipeline_pool_drain(struct pipeline_pool *p)
{
    int ret = 0, r;

    while (p->head != p->tail)
        if ((r = consume_oldest(p)) != 0 && !ret)
            ret = r;
    p->stopped = 0;
    p->stop_ret = 0;
    return ret;
}

void
pipeline_pool_free(struct pipeline_pool *p)
{
    size_t i;

    if (!p)
        return;
    p->stopped = 1;
    pipeline_pool_drain(p);
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->queued);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->nth; i++)
        pthread_join(p->th[i], NULL);
    for (i = 0; i < p->nslots; i++)
        arena_free(p->slot[i].arena);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->queued);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->room);
    free(p->th);
    free(p->slot);
    free(p->state);
    free(p->held);
    free(p);
}
