/*
 * cleanup.c - temporary files and child groups undone on every way out (see cleanup.h).
 */
#include "util/cleanup.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 64

static _Atomic(const char *) paths[SLOTS];
static _Atomic pid_t groups[SLOTS];
static atomic_flag installed = ATOMIC_FLAG_INIT;
static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

void
cleanup_now(void)
{
    size_t i;

    /* the children first: what they hold open goes before its files and directories */
    for (i = 0; i < SLOTS; i++) {
        pid_t g = atomic_load(&groups[i]);

        if (g > 0)
            kill(-g, SIGKILL);
    }
    for (i = 0; i < SLOTS; i++) {
        const char *p = atomic_load(&paths[i]);

        if (p && unlink(p) < 0)
            rmdir(p); /* a directory: lldb's private one (left empty by lldb) */
    }
}

static atomic_int spawning; /* children forked, their groups not registered yet */

void
cleanup_spawn_begin(void)
{
    atomic_fetch_add(&spawning, 1);
}

void
cleanup_spawn_end(void)
{
    atomic_fetch_sub(&spawning, 1);
}

void
cleanup_block_signals(int block, sigset_t *old)
{
    sigset_t set;
    size_t i;

    sigemptyset(&set);
    for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        sigaddset(&set, signals[i]);
    pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, old);
}

static void
on_signal(int sig)
{
    int waited = 0;

    /* a child forked a moment ago has its group registered within microseconds (the
     * spawning threads block these signals, so this runs elsewhere): wait for it, 200 ms
     * at most */
    while (atomic_load(&spawning) > 0 && waited++ < 200) {
        struct timespec ts = { 0, 1000 * 1000 };

        nanosleep(&ts, NULL);
    }
    cleanup_now();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
install(void)
{
    struct sigaction sa;
    size_t i;

    if (atomic_flag_test_and_set(&installed))
        return;
    atexit(cleanup_now);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        struct sigaction was;

        if (sigaction(signals[i], NULL, &was) == 0 && was.sa_handler == SIG_IGN)
            continue; /* nohup: stays ignored */
        sigaction(signals[i], &sa, NULL);
    }
}

int
cleanup_add_path(const char *path)
{
    size_t i;

    install();
    for (i = 0; i < SLOTS; i++) {
        const char *none = NULL;

        if (atomic_compare_exchange_strong(&paths[i], &none, path))
            return 0;
    }
    return -1;
}

void
cleanup_remove_path(const char *path)
{
    size_t i;

    for (i = 0; i < SLOTS; i++) {
        const char *p = path;

        atomic_compare_exchange_strong(&paths[i], &p, NULL);
    }
}

int
cleanup_add_group(pid_t pgid)
{
    size_t i;

    install();
    for (i = 0; i < SLOTS; i++) {
        pid_t none = 0;

        if (atomic_compare_exchange_strong(&groups[i], &none, pgid))
            return 0;
    }
    return -1;
}

void
cleanup_remove_group(pid_t pgid)
{
    size_t i;

    for (i = 0; i < SLOTS; i++) {
        pid_t g = pgid;

        atomic_compare_exchange_strong(&groups[i], &g, 0);
    }
}
