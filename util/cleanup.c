/*
 * cleanup.c - temporary files and child groups undone on every way out (see cleanup.h).
 */
#include "util/cleanup.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#define SLOTS 64

static _Atomic(const char *) paths[SLOTS];
static _Atomic pid_t groups[SLOTS];
static atomic_flag installed = ATOMIC_FLAG_INIT;
static atomic_int reaper;  /* orphans of our children become ours (Linux) */
static atomic_int closing; /* cleanup_now() has begun: no new child */

int
cleanup_closing(void)
{
    return atomic_load(&closing);
}

static void install(void);

void
cleanup_become_reaper(void)
{
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
        atomic_store(&reaper, 1);
#endif
    install();
}

/* SIGKILL every child listed in the children file of task 'tid' of this process, with its
 * group; 1 when there was one */
static int
kill_children_of(const char *tid)
{
    char path[96], data[4096];
    size_t k = 0;
    ssize_t n, i;
    int fd, killed = 0;
    pid_t v = 0;

    /* "/proc/self/task/TID/children" */
    for (i = 0; "/proc/self/task/"[i]; i++)
        path[k++] = "/proc/self/task/"[i];
    for (i = 0; tid[i] && k < 64; i++)
        path[k++] = tid[i];
    for (i = 0; "/children"[i]; i++)
        path[k++] = "/children"[i];
    path[k] = '\0';
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    while ((n = read(fd, data, sizeof(data))) > 0 || (n < 0 && errno == EINTR))
        for (i = 0; i <= n; i++) {
            if (i < n && data[i] >= '0' && data[i] <= '9') {
                v = v * 10 + (data[i] - '0');
            } else if (v > 0) {
                kill(-v, SIGKILL); /* a leader of its own group (setsid) takes it along */
                kill(v, SIGKILL);
                killed = 1;
                v = 0;
            }
        }
    close(fd);
    return killed;
}

/* the children of the main thread: orphans land there (the kernel hands them to the first
 * live thread of the subreaper, the main one while the program runs); lldb itself, a worker
 * thread's child, is in a registered group */
static void
kill_children(void)
{
    char num[24], *p = num + sizeof(num);
    unsigned long v = (unsigned long)getpid();

    *--p = '\0'; /* no snprintf in a signal handler */
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    kill_children_of(p);
}

static void
kill_groups(void)
{
    size_t i;

    for (i = 0; i < SLOTS; i++) {
        pid_t g = atomic_load(&groups[i]);

        if (g > 0)
            kill(-g, SIGKILL);
    }
}

/*
 * Descendants that left their group (setsid) outlive a group kill; as a subreaper we
 * inherit them once their parent dies, then kill and reap them: up to two seconds for the
 * last orphans to arrive. Async-signal-safe.
 */
static void
reap_orphans(void)
{
    int round;

    if (!atomic_load(&reaper))
        return;
    for (round = 0; round < 200; round++) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        pid_t w;

        kill_groups(); /* a worker may have started one meanwhile */
        kill_children();
        while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
            ;
        if (w < 0 && errno == ECHILD)
            return;
        nanosleep(&ts, NULL);
    }
}
static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

void
cleanup_now(void)
{
    size_t i;

    /* the children first: what they hold open goes before its files and directories */
    atomic_store(&closing, 1);
    kill_groups();
    reap_orphans();
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
    return KPT_E_LIMIT;
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
    return KPT_E_LIMIT;
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
