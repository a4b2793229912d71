/*
 * proc.h - child processes driven through pipes: spawning in a process group of its own
 * with arguments and exactly the environment given (util/strv.h) and a chosen directory,
 * non-blocking I/O under poll() with a timeout, and stopping (then killing the whole group).
 */
#ifndef KPT_PROC_H
#define KPT_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/strv.h"

struct proc {
    pid_t pid; /* -1: none */
    int in, out, err;
};
#define PROC_INIT                                                                                  \
    {                                                                                              \
        -1, -1, -1, -1                                                                             \
    }

/*
 * proc_spawn() - run path with args and exactly the environment env, in directory cwd,
 * every descriptor but the three pipes closed; 0, or KPT_E_CHILD with the reason appended
 * to err (util/err.h).
 */
int proc_spawn(struct proc *p, const char *path, const struct strv *args, const struct strv *env,
               const char *cwd, struct buf *err);
/*
 * proc_exchange() - write in[0..n) to the child's input while reading its output into out
 * (at most out_cap bytes) and its standard error into errout (what does not fit is dropped), until
 * done() says 1 (0 returned), says a negative value (KPT_E_CHILD), the child closes its output or
 * input (KPT_E_CHILD), out_cap is passed (KPT_E_LIMIT), or timeout_ms have passed since the call
 * (KPT_E_TIMEOUT: a deadline for the whole answer, not an idle time, so that a child
 * trickling a byte at a time cannot hold the run). What the child did ("exited (crashed?)")
 * is appended to err, for the caller to prefix with its name. done() sees out from 'from'
 * on (bytes before it were seen already).
 */
int proc_exchange(struct proc *p, const char *in, size_t n, unsigned timeout_ms, struct buf *out,
                  size_t out_cap, struct buf *errout,
                  int (*done)(void *ctx, const struct buf *out, size_t from,
                              const struct buf *errout),
                  void *ctx, struct buf *err);
/* proc_stop() - wait up to grace_ms for the child to exit, then kill its group; reaped */
void proc_stop(struct proc *p, unsigned grace_ms);
/* proc_kill() - kill the child's group now; reaped, pipes closed */
void proc_kill(struct proc *p);

#endif
