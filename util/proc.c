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
#include "util/clock.h"
#include "util/err.h"
#include "util/xalloc.h"

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* pipe(2) with both ends close-on-exec: 0, or KPT_E_IO (errno set) */
static int
cloexec_pipe(int fd[2])
{
    if (pipe(fd))
        return KPT_E_IO;
    if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd[1], F_SETFD, FD_CLOEXEC) < 0) {
        close(fd[0]);
        close(fd[1]);
        fd[0] = fd[1] = -1;
        return KPT_E_IO;
    }
    return 0;
}

int
proc_spawn(struct proc *p, const char *path, const struct strv *args, const struct strv *env,
           const char *cwd, struct buf *err)
{
    int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
    char *const empty[] = { NULL };
    long maxfd = sysconf(_SC_OPEN_MAX);
    pid_t pid;
    int i, ret = 0;

    p->pid = -1;
    p->in = p->out = p->err = -1;
    if (cloexec_pipe(pin) || cloexec_pipe(pout) || cloexec_pipe(perr)) {
        ret = kpt_fail(err, KPT_E_CHILD, "cannot create pipes");
        goto out;
    }
    if (maxfd < 0 || maxfd > 65536)
        maxfd = 65536;
    cleanup_spawn_begin();
    if (cleanup_closing()) {
        cleanup_spawn_end();
        ret = kpt_fail(err, KPT_E_CHILD, "the run is ending");
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        cleanup_spawn_end();
        ret = kpt_fail(err, KPT_E_CHILD, "cannot fork");
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

int
proc_exchange(struct proc *p, const char *in, size_t n, unsigned timeout_ms, struct buf *out,
              size_t out_cap, struct buf *errout,
              int (*done)(void *ctx, const struct buf *out, size_t from, const struct buf *errout),
              void *ctx, struct buf *err)
{
    size_t written = 0, from = 0;
    uint64_t last = clock_now_ms(); /* the deadline runs from here: output does not reset it */
    int err_open = 1;

    for (;;) {
        struct pollfd pf[3];
        nfds_t k = 0;
        int ix_in = -1, ix_out, ix_err = -1, r;
        uint64_t t = clock_now_ms();

        if ((r = done(ctx, out, from, errout)) != 0)
            return r > 0 ? 0 : KPT_E_CHILD;
        from = out->len;
        if (t - last >= timeout_ms)
            return kpt_fail(err, KPT_E_TIMEOUT, "did not answer in time");
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
            return kpt_fail(err, KPT_E_CHILD, "could not be polled");
        if (ix_in >= 0 && pf[ix_in].revents) {
            ssize_t w = write(p->in, in + written, n - written);

            if (w > 0)
                written += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                return kpt_fail(err, KPT_E_CHILD, "closed its input (crashed?)");
        }
        if (pf[ix_out].revents) {
            char chunk[65536];
            ssize_t rd = read(p->out, chunk, sizeof(chunk));

            if (rd > 0) {
                if (out->len + (size_t)rd > out_cap)
                    return kpt_fail(err, KPT_E_LIMIT, "printed more than the output cap");
                buf_add(out, chunk, (size_t)rd);
            } else if (rd == 0 || (errno != EAGAIN && errno != EINTR)) {
                return kpt_fail(err, KPT_E_CHILD, "exited (crashed?)");
            }
        }
        if (ix_err >= 0 && pf[ix_err].revents) {
            char chunk[8192];
            ssize_t rd = read(p->err, chunk, sizeof(chunk));

            if (rd > 0) {
                if (buf_add(errout, chunk, (size_t)rd) < 0)
                    buf_reset(errout);
            } else if (rd == 0) {
                err_open = 0;
            }
        }
    }
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
    uint64_t t0 = clock_now_ms();

    if (p->pid <= 0)
        return;
    close_fd(&p->in);
    while (clock_now_ms() - t0 < grace_ms) {
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
