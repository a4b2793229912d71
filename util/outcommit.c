/*
 * outcommit.c - a run's outputs and its record replaced as one decision (see outcommit.h).
 *
 * The journal: "kptrace-batch journal 1\n", the state ('R' until the decision, then 'F')
 * and "\n", then per output four NUL-terminated fields: the output's absolute path, its
 * temporary file's, its backup's (empty: the output did not exist) and "DEV:INO" of the
 * temporary file (what a rollback may remove when there was no old output).
 */
#include "util/cursor.h"
#include "util/outcommit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/readfile.h"
#include "util/xalloc.h"

#define JOURNAL_MAGIC "kptrace-batch journal 1\n"
#define JOURNAL_MAX (1024 * 1024)
#define OLD_INFIX ".kpt-old."

struct entry {
    struct outfile *o;
    char *old;   /* the backup's name (beside the output), or NULL: no old output */
    int linked;  /* the backup exists */
    int renamed; /* the temporary file is the output now */
};

/* the signals that end the process by default and may arrive from outside */
static const struct {
    int sig;
    const char *name;
} fatal[] = {
    { SIGHUP, "SIGHUP" },       { SIGINT, "SIGINT" },   { SIGQUIT, "SIGQUIT" },
    { SIGTERM, "SIGTERM" },     { SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" },
    { SIGUSR1, "SIGUSR1" },     { SIGUSR2, "SIGUSR2" }, { SIGXCPU, "SIGXCPU" },
    { SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
};

/* every signal the process could receive from outside, blocked in this thread */
static void
block_all(sigset_t *old)
{
    sigset_t set;

    sigfillset(&set);
    sigdelset(&set, SIGSEGV); /* raised by the thread itself: never blocked */
    sigdelset(&set, SIGBUS);
    sigdelset(&set, SIGFPE);
    sigdelset(&set, SIGILL);
    sigdelset(&set, SIGABRT);
    sigdelset(&set, SIGTRAP);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

/* the name of a pending signal that would end the process, or NULL */
static const char *
pending_fatal(void)
{
    sigset_t set;
    size_t i;

    if (sigpending(&set) < 0)
        return NULL;
    for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
        struct sigaction sa;

        if (sigismember(&set, fatal[i].sig) == 1 && sigaction(fatal[i].sig, NULL, &sa) == 0 &&
            sa.sa_handler != SIG_IGN)
            return fatal[i].name;
    }
    return NULL;
}

/* path's folder, synced (a rename is durable once its folder is); errors are not fatal:
 * some file systems refuse fsync on a folder */
static void
sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xmemdup0(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    int fd = open(dir, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* path made absolute (the journal is read by a run that may start elsewhere) */
static void
add_abs(struct buf *b, const char *path)
{
    if (path[0] != '/') {
        size_t cap = 256;
        char *cwd = NULL;

        for (;;) {
            cwd = xrealloc(cwd, cap);
            if (getcwd(cwd, cap) || errno != ERANGE || cap > 1024 * 1024)
                break;
            cap *= 2;
        }
        if (cwd[0] == '/') { /* getcwd failed: the path stays as given */
            buf_adds(b, cwd);
            buf_addc(b, '/');
        }
        free(cwd);
    }
    buf_add(b, path, strlen(path) + 1);
}

/* "DIR/OUTFILE_JOURNAL" for the first output renamed */
static void
journal_path(struct buf *b, const char *dest)
{
    const char *slash = strrchr(dest, '/');

    if (slash)
        buf_add(b, dest, (size_t)(slash - dest) + 1);
    buf_adds(b, OUTFILE_JOURNAL);
}

static int
valid_entry(const struct outfile_jentry *e)
{
    size_t n = strlen(e->dest);

    return e->dest[0] == '/' && !strncmp(e->tmp, e->dest, n) && !strncmp(e->tmp + n, ".tmp.", 5) &&
           (!e->old[0] ||
            (!strncmp(e->old, e->dest, n) && !strncmp(e->old + n, OLD_INFIX, strlen(OLD_INFIX))));
}

/* one entry's fields at *p (advanced); 0, or KPT_E_PARSE when they are not there */
static int
parse_entry(const char **p, const char *end, struct outfile_jentry *e)
{
    const char *f[4], *q, *stop;
    uint64_t dev, ino;
    size_t k;

    for (k = 0; k < 4; k++) {
        const char *nul = memchr(*p, '\0', (size_t)(end - *p));

        if (!nul)
            return KPT_E_PARSE;
        f[k] = *p;
        *p = nul + 1;
    }
    e->dest = f[0];
    e->tmp = f[1];
    e->old = f[2];
    /* "DEV:INO", each in range */
    stop = f[3] + strlen(f[3]);
    q = f[3];
    if (cur_dec(&q, stop, &dev, UINT64_MAX) < 0 || cur_lit(&q, stop, ":") < 0 ||
        cur_dec(&q, stop, &ino, UINT64_MAX) < 0 || q != stop)
        return KPT_E_PARSE;
    e->dev = (dev_t)dev;
    e->ino = (ino_t)ino;
    return (uint64_t)e->dev != dev || (uint64_t)e->ino != ino || !valid_entry(e) ? KPT_E_PARSE : 0;
}

int
outfile_journal_parse(const char *data, size_t len, outfile_jentry_fn *each, void *ctx)
{
    size_t m = strlen(JOURNAL_MAGIC);
    const char *end = data + len, *p;
    struct outfile_jentry e;
    int pass, state;

    if (len < m + 2 || memcmp(data, JOURNAL_MAGIC, m) || (data[m] != 'R' && data[m] != 'F') ||
        data[m + 1] != '\n')
        return KPT_E_PARSE;
    state = data[m];
    /* first every entry checked, then each one acted on: a journal cut short does nothing */
    for (pass = 0; pass < 2; pass++)
        for (p = data + m + 2; p < end;) {
            int rc;

            if (parse_entry(&p, end, &e) < 0)
                return KPT_E_PARSE;
            if (pass && each && (rc = each(ctx, state, &e)) != 0)
                return rc;
        }
    return 0;
}

/*
 * One output put back as it was ('R') or its backup dropped ('F'). Idempotent: a backup
 * renamed over an output that is still the same file leaves both names (POSIX), so the
 * backup is removed after it.
 */
static int
settle(int state, const char *dest, const char *tmp, const char *old, dev_t dev, ino_t ino,
       struct buf *err)
{
    struct stat st;

    if (state == 'R') {
        if (old && old[0]) {
            if (lstat(old, &st) == 0 && rename(old, dest) < 0)
                return kpt_fail_line(err, KPT_E_IO, "cannot put '%s' back from '%s': %s", dest, old,
                                     strerror(errno));
        } else if (lstat(dest, &st) == 0 && st.st_dev == dev && st.st_ino == ino &&
                   unlink(dest) < 0) {
            return kpt_fail_line(err, KPT_E_IO,
                                 "cannot remove '%s', written by a commit rolled back: %s", dest,
                                 strerror(errno));
        }
    }
    if (old && old[0])
        unlink(old);
    unlink(tmp);
    return 0;
}

static int
recover_entry(void *ctx, int state, const struct outfile_jentry *e)
{
    return settle(state, e->dest, e->tmp, e->old, (dev_t)e->dev, (ino_t)e->ino, ctx) < 0 ? 1 : 0;
}

/* a journal left by a run that SIGKILL stopped in its commit: finished; 0, or KPT_E_IO and
 * why in err */
static int
recover(const char *path, struct buf *err)
{
    struct stat st;
    char *data;
    ssize_t got;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), rc;

    if (fd < 0)
        return errno == ENOENT
                   ? 0
                   : kpt_fail_line(err, KPT_E_IO, "cannot read '%s': %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        st.st_size > JOURNAL_MAX) {
        close(fd);
        return kpt_fail_line(err, KPT_E_IO, "'%s' is no journal of this user's: remove it to go on",
                             path);
    }
    data = xmalloc((size_t)st.st_size + 1);
    while (
        len < (size_t)st.st_size &&
        ((got = read(fd, data + len, (size_t)st.st_size - len)) > 0 || (got < 0 && errno == EINTR)))
        len += got > 0 ? (size_t)got : 0;
    close(fd);
    rc = outfile_journal_parse(data, len, recover_entry, err);
    free(data);
    if (rc < 0) {
        /* written in full and synced before any output was touched: a journal cut short
         * is one whose commit never began */
        if (len < (size_t)st.st_size || unlink(path) < 0)
            return kpt_fail_line(err, KPT_E_IO, "cannot remove '%s', a journal cut short: %s", path,
                                 strerror(errno));
        return 0;
    }
    if (rc)
        return kpt_fail_line(err, KPT_E_IO,
                             "'%s': an earlier run's interrupted commit cannot be finished (above)",
                             path);
    unlink(path);
    sync_dir_of(path);
    return 0;
}

/* the journal at path, listing e[0..n); its descriptor, or KPT_E_IO and why in err */
static int
write_journal(const char *path, struct entry *e, size_t n, struct buf *err)
{
    struct buf b = BUF_INIT;
    size_t i;
    int fd;

    buf_adds(&b, JOURNAL_MAGIC "R\n");
    for (i = 0; i < n; i++) {
        add_abs(&b, e[i].o->dest);
        add_abs(&b, e[i].o->tmp);
        if (e[i].old)
            add_abs(&b, e[i].old);
        else
            buf_addc(&b, '\0');
        buf_addf(&b, "%llu:%llu", (unsigned long long)e[i].o->dev, (unsigned long long)e[i].o->ino);
        buf_addc(&b, '\0');
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || write_all(fd, b.data, b.len) < 0 || fsync(fd) < 0) {
        int e_ = errno ? errno : EIO;

        if (fd >= 0) {
            close(fd);
            unlink(path);
        }
        fd = kpt_fail_line(err, KPT_E_IO, "cannot write '%s': %s", path, strerror(e_));
    } else {
        sync_dir_of(path);
    }
    buf_release(&b);
    return fd;
}

/* the outputs e[0..n) put back as the last run left them; 0, or KPT_E_IO and why in err */
static int
roll_back(struct entry *e, size_t n, struct buf *err)
{
    size_t i = n;
    int ret = 0;

    while (i-- > 0) {
        struct outfile *o = e[i].o;

        if (settle('R', o->dest, o->tmp, e[i].linked ? e[i].old : NULL, o->dev,
                   e[i].renamed ? o->ino : (ino_t)0, err) < 0)
            ret = KPT_E_IO;
        o->named = 0;
        sync_dir_of(o->dest);
    }
    return ret;
}

/* the backup name of e's output: beside it, free (under the lock, nobody else makes one) */
static void
name_backup(struct entry *e, size_t i)
{
    struct buf b = BUF_INIT;
    struct stat st;
    unsigned k;

    for (k = 0;; k++) {
        buf_reset(&b);
        buf_addf(&b, "%s" OLD_INFIX "%ld-%zu-%u", e->o->dest, (long)getpid(), i, k);
        if (lstat(b.data, &st) < 0 || k > 1000)
            break; /* free (or not to be looked at: the link then says why) */
    }
    e->old = buf_detach(&b, NULL);
}

/* the steps between the journal and the decision: backups, renames, the folders synced, no
 * signal pending, decide(); 0, or a negative enum kpt_err and why in err (decide() says its
 * own) */
static int
replace_all(struct entry *e, size_t n, outfile_decide_fn *decide, void *ctx, struct buf *err)
{
    const char *sig;
    size_t i;

    for (i = 0; i < n; i++)
        if (e[i].old) {
            /* a file system without hard links (FAT, some network ones): the old output
             * moves to its backup name instead, and is missing until its rename */
            int rc = link(e[i].o->dest, e[i].old);

            if (rc < 0 &&
                (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP || errno == EMLINK))
                rc = rename(e[i].o->dest, e[i].old);
            if (rc < 0)
                return kpt_fail_line(err, KPT_E_IO,
                                     "cannot keep '%s' as '%s' while it is replaced: %s",
                                     e[i].o->dest, e[i].old, strerror(errno));
            e[i].linked = 1;
        }
    for (i = 0; i < n; i++) {
        if (rename(e[i].o->tmp, e[i].o->dest) < 0)
            return kpt_fail_line(err, KPT_E_IO, "cannot write '%s': %s", e[i].o->path,
                                 strerror(errno));
        e[i].renamed = 1;
    }
    for (i = 0; i < n; i++)
        sync_dir_of(e[i].o->dest);
    if ((sig = pending_fatal()))
        return kpt_fail_line(err, KPT_E_IO, "%s arrived while the outputs were replaced", sig);
    return decide ? decide(ctx) : 0;
}

/* the decision made: the journal says so, then the backups and the journal go */
static void
finish(int jfd, const char *jpath, struct entry *e, size_t n)
{
    size_t i;

    if (pwrite(jfd, "F", 1, (off_t)strlen(JOURNAL_MAGIC)) == 1)
        fsync(jfd);
    for (i = 0; i < n; i++) {
        if (e[i].linked)
            unlink(e[i].old);
        e[i].o->named = 0;
        e[i].o->committed = 1;
        cleanup_remove_path(e[i].o->tmp);
    }
    unlink(jpath);
}

int
outfile_commit(struct outfile *v, size_t n, outfile_decide_fn *decide, void *ctx, struct buf *err)
{
    struct entry *e = xcalloc(n ? n : 1, sizeof(*e));
    struct buf jpath = BUF_INIT;
    sigset_t old;
    size_t i, ne = 0;
    int jfd = -1, ret = 0;

    for (i = 0; i < n; i++)
        if (outfile_prepare(&v[i], err) < 0)
            ret = KPT_E_IO;
    for (i = 0; i < n && !ret; i++)
        if (v[i].tmp && !v[i].direct && v[i].named)
            e[ne++].o = &v[i];
    block_all(&old);
    if (!ret && ne) {
        struct stat st;

        journal_path(&jpath, e[0].o->dest);
        ret = recover(jpath.data, err);
        for (i = 0; i < ne && !ret; i++)
            if (lstat(e[i].o->dest, &st) == 0 && S_ISREG(st.st_mode))
                name_backup(&e[i], i);
        if (!ret && (jfd = write_journal(jpath.data, e, ne, err)) < 0)
            ret = KPT_E_IO;
    }
    if (!ret && (ne ? replace_all(e, ne, decide, ctx, err) : decide ? decide(ctx) : 0) < 0)
        ret = KPT_E_IO;
    if (!ret && ne) {
        finish(jfd, jpath.data, e, ne);
    } else if (ret && jfd >= 0) {
        if (roll_back(e, ne, err) == 0) {
            unlink(jpath.data);
            sync_dir_of(jpath.data);
        } else {
            (void)kpt_fail_line(
                err, KPT_E_IO,
                "'%s' keeps what is left to undo: the next run writing there undoes it",
                jpath.data);
        }
    }
    if (ret)
        (void)kpt_fail_line(err, ret, "nothing was replaced");
    if (jfd >= 0)
        close(jfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (i = 0; i < ne; i++)
        free(e[i].old);
    free(e);
    buf_release(&jpath);
    return ret;
}
