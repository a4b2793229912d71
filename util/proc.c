/*
 * proc.c - child processes driven through pipes (see proc.h).
 */
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

void
argv_push(struct argv *a, const char *s)
{
    VEC_GROW(a->v, a->n + 2, a->cap);
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

void
argv_release(struct argv *a)
{
    size_t i;

    for (i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

uint64_t
proc_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int
cloexec_pipe(int fd[2])
{
    if (pipe(fd))
        return -1;
    if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd[1], F_SETFD, FD_CLOEXEC) < 0) {
        close(fd[0]);
        close(fd[1]);
        fd[0] = fd[1] = -1;
        return -1;
    }
    return 0;
}

int
proc_spawn(struct proc *p, const char *path, const struct argv *args, const struct argv *env,
           const char *cwd, struct buf *why)
{
    int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
    char *const empty[] = { NULL };
    long maxfd = sysconf(_SC_OPEN_MAX);
    pid_t pid;
    int i, ret = 0;

    p->pid = -1;
    p->in = p->out = p->err = -1;
    if (cloexec_pipe(pin) || cloexec_pipe(pout) || cloexec_pipe(perr)) {
        buf_adds(why, "cannot create pipes");
        ret = KPT_E_CHILD;
        goto out;
    }
    if (maxfd < 0 || maxfd > 65536)
        maxfd = 65536;
    cleanup_spawn_begin();
    if (cleanup_closing()) {
        cleanup_spawn_end();
        buf_adds(why, "the run is ending");
        ret = KPT_E_CHILD;
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        cleanup_spawn_end();
        buf_adds(why, "cannot fork");
        ret = KPT_E_CHILD;
        goto out;
    }
    if (pid == 0) {
        /* only async-signal-safe calls until exec; the signals this thread blocks are
         * the program's business, not the child's */
        sigset_t none;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        if (cwd && chdir(cwd) < 0)
            _exit(126);
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        for (i = 3; i < maxfd; i++)
            close(i);
        execve(path, args->v ? args->v : empty, env->v ? env->v : empty);
        _exit(127);
    }
    setpgid(pid, pid);
    cleanup_add_group(pid); /* killed with its children if we are (cleanup.c) */
    cleanup_spawn_end();
    p->pid = pid;
    p->in = pin[1];
    p->out = pout[0];
    p->err = perr[0];
    pin[1] = pout[0] = perr[0] = -1;
    fcntl(p->in, F_SETFL, O_NONBLOCK);
    fcntl(p->out, F_SETFL, O_NONBLOCK);
    fcntl(p->err, F_SETFL, O_NONBLOCK);
out:
    for (i = 0; i < 2; i++) {
        close_fd(&pin[i]);
        close_fd(&pout[i]);
        close_fd(&perr[i]);
    }
    return ret;
}

static int
fail(struct buf *why, const char *what, int ret)
{
    buf_reset(why);
    buf_adds(why, what);
    return ret;
}

int
proc_exchange(struct proc *p, const char *in, size_t n, unsigned timeout_ms, struct buf *out,
              size_t out_cap, struct buf *err,
              int (*done)(void *ctx, const struct buf *out, size_t from, const struct buf *err),
              void *ctx, struct buf *why)
{
    size_t written = 0, from = 0;
    uint64_t last = proc_now_ms(); /* the deadline runs from here: output does not reset it */
    int err_open = 1;

    for (;;) {
        struct pollfd pf[3];
        nfds_t k = 0;
        int ix_in = -1, ix_out, ix_err = -1, r;
        uint64_t t = proc_now_ms();

        if ((r = done(ctx, out, from, err)) != 0)
            return r > 0 ? 0 : KPT_E_CHILD;
        from = out->len;
        if (t - last >= timeout_ms)
            return fail(why, "did not answer in time", KPT_E_TIMEOUT);
        if (written < n) {
            ix_in = (int)k;
            pf[k].fd = p->in;
            pf[k++].events = POLLOUT;
        }
        ix_out = (int)k;
        pf[k].fd = p->out;
        pf[k++].events = POLLIN;
        if (err_open) {
            ix_err = (int)k;
            pf[k].fd = p->err;
            pf[k++].events = POLLIN;
        }
        r = poll(pf, k, (int)(timeout_ms - (t - last)));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail(why, "could not be polled", KPT_E_CHILD);
        if (ix_in >= 0 && pf[ix_in].revents) {
            ssize_t w = write(p->in, in + written, n - written);

            if (w > 0)
                written += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                return fail(why, "closed its input (crashed?)", KPT_E_CHILD);
        }
        if (pf[ix_out].revents) {
            char chunk[65536];
            ssize_t rd = read(p->out, chunk, sizeof(chunk));

            if (rd > 0) {
                if (out->len + (size_t)rd > out_cap)
                    return fail(why, "printed more than the output cap", KPT_E_LIMIT);
                buf_add(out, chunk, (size_t)rd);
            } else if (rd == 0 || (errno != EAGAIN && errno != EINTR)) {
                return fail(why, "exited (crashed?)", KPT_E_CHILD);
            }
        }
        if (ix_err >= 0 && pf[ix_err].revents) {
            char chunk[8192];
            ssize_t rd = read(p->err, chunk, sizeof(chunk));

            if (rd > 0) {
                if (buf_add(err, chunk, (size_t)rd) < 0)
                    buf_reset(err);
            } else if (rd == 0) {
                err_open = 0;
            }
        }
    }
}

void
proc_close_input(struct proc *p)
{
    close_fd(&p->in);
}

void
proc_kill(struct proc *p)
{
    if (p->pid > 0) {
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        cleanup_remove_group(p->pid);
    }
    p->pid = -1;
    close_fd(&p->in);
    close_fd(&p->out);
    close_fd(&p->err);
}

void
proc_stop(struct proc *p, unsigned grace_ms)
{
    uint64_t t0 = proc_now_ms();

    if (p->pid <= 0)
        return;
    close_fd(&p->in);
    while (proc_now_ms() - t0 < grace_ms) {
        if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
            cleanup_remove_group(p->pid);
            p->pid = -1;
            break;
        }
        {
            struct timespec ts = { 0, 10 * 1000 * 1000 };

            nanosleep(&ts, NULL);
        }
    }
    proc_kill(p);
}
