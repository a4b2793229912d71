/*
 * cleanup.h - what the process must undo however it ends: temporary files to remove and
 * child process groups to kill. Registered while they exist; at exit, and when SIGINT,
 * SIGTERM, SIGHUP or SIGQUIT arrives (a signal the caller ignores, as under nohup, stays
 * ignored), every one still registered is removed or killed, then the signal is raised again
 * with its default action so the exit status says which. Safe from any thread and from the
 * handler (lock-free slots).
 */
#ifndef KPT_CLEANUP_H
#define KPT_CLEANUP_H

#include <signal.h>
#include <sys/types.h>

/* 0, or KPT_E_LIMIT when every slot is taken */
int cleanup_add_path(const char *path); /* the string must live until removed */
void cleanup_remove_path(const char *path);
int cleanup_add_group(pid_t pgid);
void cleanup_remove_group(pid_t pgid);
void cleanup_now(void); /* remove and kill what is registered (async-signal-safe) */
/*
 * cleanup_become_reaper() - the program's own descendants stay its own: on Linux the process
 * becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so that a grandchild that left its
 * group (setsid) is reparented here when its parent dies, and cleanup_now() kills and reaps
 * every child it has. Elsewhere (macOS has no subreaper) only the registered groups are
 * killed. Call once, early in main().
 */
void cleanup_become_reaper(void);
/* cleanup_closing() - 1 once cleanup_now() has begun: a child started now would outlive it */
int cleanup_closing(void);
/* around fork() and cleanup_add_group(): a signal handled meanwhile waits for the group */
void cleanup_spawn_begin(void);
void cleanup_spawn_end(void);
/* block (1) or unblock (0) the signals cleanup handles in the calling thread (threads that
 * spawn children block them, so that the handler never interrupts a spawn); *old may be
 * NULL */
void cleanup_block_signals(int block, sigset_t *old);

#endif
