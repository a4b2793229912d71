/*
 * pipeline_check.c - outputs that would destroy something, refused before anything is read:
 * two outputs naming one file, an output that is the history (or a file SQLite keeps beside
 * it), an output that is an input.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/pipeline_int.h"
#include "report/rep.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* one file: its identity when it exists, else the canonical name it would get */
struct fid {
    const char *what, *path; /* the option, and the path as given */
    int exists, regular;
    dev_t dev;
    ino_t ino;
    char *canon; /* when it does not exist: the folder's real path, then the name */
};

static void
fid_init(struct fid *f, const char *what, const char *path)
{
    struct stat st;

    memset(f, 0, sizeof(*f));
    f->what = what;
    f->path = path;
    if (stat(path, &st) == 0) {
        f->exists = 1;
        f->regular = S_ISREG(st.st_mode);
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        return;
    }
    {
        const char *slash = strrchr(path, '/');
        char *dir =
            slash ? xmemdup0(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
        char *real = realpath(dir, NULL);
        struct buf b = BUF_INIT;

        buf_addf(&b, "%s/%s", real ? real : dir, slash ? slash + 1 : path);
        f->canon = buf_detach(&b, NULL);
        free(real);
        free(dir);
    }
}

/* both name one regular file (devices, FIFOs and terminals may be shared freely) */
static int
fid_same(const struct fid *a, const struct fid *b)
{
    if (a->exists != b->exists)
        return 0;
    if (a->exists)
        return a->regular && b->regular && a->dev == b->dev && a->ino == b->ino;
    return !strcmp(a->canon, b->canon);
}

/*
 * An earlier run's output lying in an input folder is passed over by the walk; any other
 * file there is an input. report/ knows ours by their first bytes (the lock file is empty).
 */
static int
earlier_output(const char *path)
{
    char head[REP_HEAD_BYTES];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

    if (fd < 0)
        return 1; /* unreadable: the walk could not read it either */
    n = read(fd, head, sizeof(head));
    close(fd);
    if (n <= 0)
        return 1; /* empty: nothing to lose */
    return rep_is_earlier_output(head, (size_t)n);
}

/* out (an existing regular file) lies somewhere under the folder dir */
static int
under(const char *dir, const char *out)
{
    char *d = realpath(dir, NULL), *f = realpath(out, NULL);
    size_t n = d ? strlen(d) : 0;
    int in = d && f && !strncmp(d, f, n) && (f[n] == '/' || (n == 1 && d[0] == '/'));

    free(d);
    free(f);
    return in;
}

static int
refuse(const struct fid *out, const char *what, const char *path, const char *why)
{
    diag_printf("%s '%s' and %s '%s' %s: refused before anything is read", out->what, out->path,
                what, path, why);
    return KPT_E_PARSE; /* a usage error, as cli.c's */
}

/* standard output, when it is a regular file (a shell's '>'): /dev/stdout names it too */
static int
fid_stdout(struct fid *f)
{
    struct stat st;

    memset(f, 0, sizeof(*f));
    if (fstat(1, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    f->what = "the summary on";
    f->path = "standard output";
    f->exists = f->regular = 1;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    return 1;
}

static int check(const struct kpt_opts *o, char *const *extra, size_t nextra, int only_extra);

int
pipeline_check_outputs(const struct kpt_opts *o, char *const *extra, size_t nextra)
{
    return check(o, extra, nextra, 0);
}

int
pipeline_check_outputs_extra(const struct kpt_opts *o, char *const *extra, size_t nextra)
{
    return check(o, extra, nextra, 1);
}

static int
check(const struct kpt_opts *o, char *const *extra, size_t nextra, int only_extra)
{
    static const char *const side[] = { "", "-wal", "-shm", "-journal" };
    const char *paths[] = {
        o->output, o->csv, o->reports_csv, o->json, o->plot, o->html, o->state
    };
    const char *names[] = { "-o",     "--csv",  "--reports-csv", "--json",
                            "--plot", "--html", "--emit-state" };
    struct fid out[sizeof(paths) / sizeof(paths[0])];
    size_t i, k, n = 0;
    int ret = 0;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (paths[i] && strcmp(paths[i], "-"))
            fid_init(&out[n++], names[i], paths[i]);
        else if (i == 0 && fid_stdout(&out[n]))
            n++;
    for (i = 0; i < n && !ret; i++) {
        for (k = 0; k < i && !ret && !only_extra; k++)
            if (fid_same(&out[i], &out[k]))
                ret = refuse(&out[k], out[i].what, out[i].path, "name one file");
        for (k = 0; o->history && !hist_is_uri(o->history) && k < sizeof(side) / sizeof(side[0]) &&
                    !ret && !only_extra;
             k++) {
            struct buf b = BUF_INIT;
            struct fid h;

            buf_addf(&b, "%s%s", o->history, side[k]);
            fid_init(&h, "--history", b.data);
            if (fid_same(&out[i], &h) ||
                (!out[i].exists && h.exists && !strcmp(out[i].path, b.data)))
                ret = refuse(&out[i], "the history", b.data,
                             k ? "name one file (SQLite keeps it beside the history)"
                               : "name one file");
            free(h.canon);
            buf_release(&b);
        }
        /* the inputs: the paths given, those listed on standard input, merge's states */
        for (k = only_extra ? o->npaths : 0; k < o->npaths + nextra && !ret; k++) {
            const char *p = k < o->npaths ? o->paths[k] : extra[k - o->npaths];
            struct fid in;
            struct stat st;

            if (!strcmp(p, "-") || !out[i].exists || !out[i].regular || stat(p, &st) < 0)
                continue;
            if (S_ISDIR(st.st_mode)) {
                if (!o->merge && under(p, out[i].path) && !earlier_output(out[i].path))
                    ret = refuse(&out[i], "the input folder", p,
                                 "overlap: the output is a file there, and no earlier output of "
                                 "kptrace-batch");
                continue;
            }
            fid_init(&in, "input", p);
            if (fid_same(&out[i], &in))
                ret = refuse(&out[i], o->merge ? "the state" : "the input", p, "name one file");
            free(in.canon);
        }
    }
    for (i = 0; i < n; i++)
        free(out[i].canon);
    return ret;
}
