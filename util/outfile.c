/*
 * outfile.c - outputs that appear whole or not at all (see outfile.h).
 */
#include "util/outfile.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

/* the registry: temporary paths to remove; a signal handler reads it, so every change is
 * made with the signals blocked */
#define MAX_TMP 16
static char *registry[MAX_TMP];
static int installed;
static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

void
outfile_remove_all(void)
{
    size_t i;

    for (i = 0; i < MAX_TMP; i++)
        if (registry[i])
            unlink(registry[i]);
}

static void
on_signal(int sig)
{
    outfile_remove_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
block(sigset_t *old)
{
    sigset_t all;
    size_t i;

    sigemptyset(&all);
    for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        sigaddset(&all, signals[i]);
    sigprocmask(SIG_BLOCK, &all, old);
}

static void
install(void)
{
    struct sigaction sa;
    size_t i;

    if (installed)
        return;
    installed = 1;
    atexit(outfile_remove_all);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        struct sigaction was;

        /* a signal the caller ignores (nohup) stays ignored */
        if (sigaction(signals[i], NULL, &was) == 0 && was.sa_handler == SIG_IGN)
            continue;
        sigaction(signals[i], &sa, NULL);
    }
}

static int
do_register(char *tmp)
{
    sigset_t old;
    size_t i;
    int ret = -1;

    install();
    block(&old);
    for (i = 0; i < MAX_TMP && ret < 0; i++)
        if (!registry[i]) {
            registry[i] = tmp;
            ret = 0;
        }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return ret;
}

static void
do_unregister(const char *tmp)
{
    sigset_t old;
    size_t i;

    block(&old);
    for (i = 0; i < MAX_TMP; i++)
        if (registry[i] == tmp)
            registry[i] = NULL;
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static int
fail(const char *path)
{
    fprintf(stderr, "kptrace-batch: cannot write '%s': %s\n", path, strerror(errno));
    return -1;
}

int
outfile_open(struct outfile *o, const char *path)
{
    struct stat st;
    size_t n;
    int fd;

    memset(o, 0, sizeof(*o));
    o->path = path;
    if (!path || !strcmp(path, "-")) {
        o->f = stdout;
        return 0;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or FIFO (/dev/null, a pipe): written as it is; a temporary file renamed
         * over it would replace the device */
        if (!(o->f = fopen(path, "w")))
            return fail(path);
        o->direct = 1;
        return 0;
    }
    n = strlen(path);
    o->tmp = xmalloc(st_add(n, 16));
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, ".tmp.XXXXXX", 12);
    if (do_register(o->tmp) < 0) {
        errno = EMFILE;
        free(o->tmp);
        o->tmp = NULL;
        return fail(path);
    }
    if ((fd = mkstemp(o->tmp)) < 0 || fstat(fd, &st) < 0 || !(o->f = fdopen(fd, "w"))) {
        int e = errno;

        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        do_unregister(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        errno = e;
        return fail(path);
    }
    {
        /* mkstemp makes it 0600: an output follows the umask like any file a user writes */
        mode_t mask = umask(0);

        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    o->dev = st.st_dev;
    o->ino = st.st_ino;
    return 0;
}

int
outfile_flush(struct outfile *o)
{
    return o->f && (fflush(o->f) || ferror(o->f)) ? -1 : 0;
}

int
outfile_is_tmp(const struct outfile *o, dev_t dev, ino_t ino)
{
    return o->tmp && o->dev == dev && o->ino == ino;
}

int
outfile_close(struct outfile *o, int ok)
{
    int ret = 0;

    if (!o->f)
        return 0;
    if (o->f == stdout) {
        if (fflush(stdout) || ferror(stdout))
            ret = -1;
    } else if (o->direct) {
        if (fclose(o->f))
            ret = -1;
    } else {
        if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
            ret = -1;
        if (fclose(o->f))
            ret = -1;
        if (ok && !ret && rename(o->tmp, o->path))
            ret = -1;
        if (!ok || ret)
            unlink(o->tmp);
        if (ret)
            fail(o->path);
        do_unregister(o->tmp);
    }
    free(o->tmp);
    o->f = NULL;
    o->tmp = NULL;
    return ret;
}
