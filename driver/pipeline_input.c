/*
 * pipeline_input.c - a pass over the inputs: the walk submits each to the pool
 * (pipeline_pool.c), a worker reads and parses it (and in pass 2 may sign it), and the
 * walking thread consumes them in input order (pipeline_report.c). What a worker does
 * reads only what no one writes during a pass (see pipeline_int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/pipeline_int.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"
#include "util/bytes.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/longpath.h"
#include "util/outfile.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* 1 when path (st) is the run's history file or one SQLite keeps beside it */
static int
own_history(const struct run *run, const char *path, const struct stat *st)
{
    static const char *const side[] = { "", "-wal", "-shm", "-journal" };
    const char *h = run->o->history, *hb, *pb;
    size_t k, n;

    if (!h || hist_is_uri(h)) /* a database: no file of the inputs */
        return 0;
    hb = strrchr(h, '/') ? strrchr(h, '/') + 1 : h;
    pb = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    n = strlen(hb);
    if (strncmp(pb, hb, n))
        return 0;
    for (k = 0; k < sizeof(side) / sizeof(side[0]); k++) {
        struct buf b = BUF_INIT;
        struct stat hs;
        int same;

        if (strcmp(pb + n, side[k]))
            continue;
        buf_addf(&b, "%s%s", h, side[k]);
        same = stat(b.data, &hs) == 0 && hs.st_dev == st->st_dev && hs.st_ino == st->st_ino;
        buf_release(&b);
        return same;
    }
    return 0;
}

/* 1 when path is one of this run's own temporary outputs (written inside an input folder),
 * or its history */
static int
own_output(const struct run *run, const char *path)
{
    struct stat st;
    size_t i;

    if (outfile_is_lock(path))
        return 1; /* the lock beside an earlier run's outputs */
    if (stat(path, &st) < 0)
        return 0;
    for (i = 0; i < OUT_N; i++)
        if (outfile_is_tmp(&run->out[i], st.st_dev, st.st_ino))
            return 1;
    return own_history(run, path, &st);
}

/* ingest: one input into r (in arena a); names_only: leave r empty (status ok, no frames)
 * when the bytes print no frame name (pass 1 with nothing but names to learn) */
static void
read_input(const struct kpt_limits *lim, struct arena *a, const char *path, const char *why,
           struct kpt_report *r, int names_only)
{
    void *data = NULL;
    size_t len = 0;
    struct buf err = BUF_INIT;

    arena_clear(a);
    kpt_report_init(r, a, path);
    if (why) {
        r->status = KPT_ST_REJECTED;
        r->error = arena_strdup(a, why);
    } else if (ing_load(path, lim, &data, &len, &err) < 0) {
        r->status = KPT_ST_REJECTED;
        r->error = arena_strdup(a, err.data);
    } else {
        if (!names_only || ing_may_print_names(data, len))
            ing_parse_file(path, data, len, lim, a, r);
        free(data);
    }
    buf_release(&err);
}

/* 1 when path may name an archive's member: "archive!member", and no file has that name */
static int
member_path(const char *path)
{
    struct stat st;

    return strchr(path, '!') && lstat(path, &st) < 0;
}

void
pipeline_read_report(struct run *run, const char *path, const char *why, struct kpt_report *r)
{
    /* "archive!member": a member, when no file has that name */
    if (!why && member_path(path) && pipeline_read_member(run, path, r) == 0)
        return;
    if (!why && pipeline_is_archive(run, path, 0)) {
        arena_clear(run->arena);
        kpt_report_init(r, run->arena, path);
        r->status = KPT_ST_REJECTED;
        r->error = "an archive: name one of its members, ARCHIVE!MEMBER, as its rows do";
        return;
    }
    read_input(&run->o->lim, run->arena, path, why, r, 0);
}

/* a + b, or SIZE_MAX where that would wrap */
static size_t
sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/*
 * The memory reading and parsing the open input fd of len bytes may hold at once, for the
 * pool's budget, from its size and its first and last bytes (read before the file is): the
 * bytes, the text gzip makes of them (its trailer's size when that is plausible, else the
 * most --max-file-bytes lets it make; a buffer that grows may hold up to twice that), and
 * the parser's sanitized copy of the text.
 */
static size_t
input_bytes(const struct kpt_limits *lim, int fd, size_t len)
{
    unsigned char head[2], tail[4];
    size_t text, grown;

    text = grown = len;
    if (len >= 18 && pread(fd, head, 2, 0) == 2 && head[0] == 0x1f && head[1] == 0x8b &&
        pread(fd, tail, 4, (off_t)(len - 4)) == 4) {
        size_t isize = le32(tail); /* gzip's ISIZE */

        text = isize >= len && isize <= lim->max_file_bytes ? isize : lim->max_file_bytes;
        grown = sat_add(text, text);
    }
    return sat_add(sat_add(len, grown), text); /* --max-file-bytes may be near SIZE_MAX / 2 */
}

/* on a worker: what the input is, and for a report, what can be done of it without the
 * run's tables. The file is read once: an archive is told by the bytes read (or, when they
 * cannot be read as a report - too large - by the file). */
static void
work(void *ctx, struct pipeline_job *j)
{
    const struct run *run = ctx;
    struct buf err = BUF_INIT;
    void *data = NULL;
    size_t len = 0, size;
    int unread, fd;

    j->kind = JOB_REPORT;
    j->is_signed = 0;
    if (j->why) {
        read_input(&run->o->lim, j->arena, j->path, j->why, &j->r, 0);
        return;
    }
    if (own_output(run, j->path)) {
        j->kind = JOB_SKIP; /* not an input: this run's summary being written */
        return;
    }
    if (member_path(j->path)) {
        j->kind = JOB_ARCHIVE; /* a member given as an input: read on the consuming thread */
        return;
    }
    arena_clear(j->arena);
    kpt_report_init(&j->r, j->arena, j->path);
    /* what reading and parsing it will hold, reserved once it is open, before any of it is
     * read (one open a file: the bytes it is sized by are the bytes then read) */
    unread = ing_open(j->path, &run->o->lim, &fd, &size, &err) < 0;
    if (!unread) {
        pipeline_pool_reserve(run->pool, j, input_bytes(&run->o->lim, fd, size));
        unread = ing_read(fd, &run->o->lim, &data, &len, &err) < 0;
    }
    if (unread ? pipeline_is_archive(run, j->path, 1)
               : pipeline_is_archive_mem(run, data, len, j->path)) {
        free(data);
        buf_release(&err);
        pipeline_pool_settle(run->pool, j, 0);
        j->kind = JOB_ARCHIVE; /* read on the consuming thread: a row per member */
        return;
    }
    if (unread) {
        j->r.status = KPT_ST_REJECTED;
        j->r.error = arena_strdup(j->arena, err.data);
        buf_release(&err);
        pipeline_pool_settle(run->pool, j, 0);
        return;
    }
    if (j->pass == 2 || !run->names_only || ing_may_print_names(data, len))
        ing_parse_file(j->path, data, len, &run->o->lim, j->arena, &j->r);
    free(data);
    pipeline_pool_settle(run->pool, j, arena_held(j->arena));
    if (j->pass == 2) {
        pipeline_mark(run->o, &j->r);
        if (run->sign_in_workers) {
            pipeline_sign(run, j->arena, &j->r, &j->b);
            j->is_signed = 1;
        }
    }
}

/* on the walking thread, in input order */
static int
consume(void *ctx, struct pipeline_job *j)
{
    struct run *run = ctx;
    struct arena *own = run->arena;
    struct kpt_report r;
    int ret;

    if (j->kind == JOB_SKIP)
        return 0;
    if (j->kind == JOB_ARCHIVE && member_path(j->path)) {
        if (pipeline_read_member(run, j->path, &r) < 0) {
            arena_clear(run->arena);
            kpt_report_init(&r, run->arena, j->path);
            r.status = KPT_ST_REJECTED;
            r.error = "No such file or directory (nor a member of an archive)";
        }
        return pipeline_report(run, &r);
    }
    if (j->kind == JOB_ARCHIVE) {
        if ((ret = pipeline_archive(run, j->path)) != KPT_E_FORMAT)
            return ret; /* an archive: a row per member, and one for the archive */
        /* no longer one: read as the file it is now */
        read_input(&run->o->lim, run->arena, j->path, NULL, &r, run->pass == 1 && run->names_only);
        return pipeline_report(run, &r);
    }
    run->arena = j->arena; /* the report's, while it is consumed */
    ret = pipeline_consume(run, &j->r, &j->b, j->is_signed);
    run->arena = own;
    return ret;
}

void
pipeline_start_workers(struct run *run)
{
    /* twice the largest text an input may have: inputs near the limit are read one at a
     * time, as at -j1, and small ones by every worker */
    run->pool = pipeline_pool_new(pipeline_jobs(run->o->jobs),
                                  st_mult(2, run->o->lim.max_file_bytes), work, consume, run);
}

static int
on_input(const char *path, const char *why, void *ctx)
{
    struct run *run = ctx;

    return pipeline_pool_submit(run->pool, path, why, run->pass);
}

/* the archive a member path names: its longest prefix before a '!' that is a regular file
 * (malloc'd), or NULL */
static char *
member_archive(const char *path)
{
    const char *bang = strrchr(path, '!');

    while (bang) {
        char *f = xmemdup0(path, (size_t)(bang - path));
        struct stat st;

        if (stat(f, &st) == 0 && S_ISREG(st.st_mode))
            return f;
        free(f);
        while (--bang > path && *bang != '!')
            ;
        if (bang <= path)
            bang = NULL;
    }
    return NULL;
}

/* 1 when the archive of member path 'path' is itself read as one of the given paths
 * roots[0..n) (given, or inside a given folder): its rows hold the member's already */
static int
archive_given(const char *path, const char *const *roots, size_t n)
{
    char *arc = member_archive(path), *ra = arc ? realpath(arc, NULL) : NULL;
    size_t i;
    int in = 0;

    for (i = 0; ra && i < n && !in; i++) {
        char *rr = member_path(roots[i]) ? NULL : realpath(roots[i], NULL);
        size_t k = rr ? strlen(rr) : 0;

        in = rr && (!strcmp(rr, ra) || (!strncmp(ra, rr, k) && (ra[k] == '/' || !strcmp(rr, "/"))));
        free(rr);
    }
    free(arc);
    free(ra);
    return in;
}

/* the given paths, and the member paths among them met so far */
struct given {
    const char *const *roots;
    size_t nroots;
    struct strv members;
};

/* one path given (a PATH, or a line of '-'): walked, or a member path ("t.tar!a.panic",
 * no file of that name) read as the member: once however often it is given, and not at
 * all when its archive is read whole as another given path */
static void
walk_given(struct run *run, struct ing_walker *wk, const char *path, struct given *g)
{
    size_t i;

    if (!member_path(path)) {
        ing_walk(wk, path, on_input, run);
        return;
    }
    for (i = 0; i < g->members.n; i++)
        if (!strcmp(g->members.v[i], path))
            return;
    strv_push(&g->members, path);
    if (!archive_given(path, g->roots, g->nroots))
        on_input(path, NULL, run);
}

/* '-': the paths on standard input, read once and kept for both passes; -1 (said on
 * stderr) when the list cannot be read: a closed standard input, a folder */
int
pipeline_read_stdin(struct run *run)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0, capwhy = 0;
    ssize_t n;

    while ((n = getline(&line, &cap, stdin)) > 0) {
        struct stat st;
        const char *why = NULL;

        lineno++;
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        /* a CRLF list: the CR goes, unless a file has that name (names are bytes) */
        if (n && line[n - 1] == '\r' && lstat(line, &st) < 0)
            line[--n] = '\0';
        if (!n)
            continue;
        if (memchr(line, '\0', (size_t)n)) {
            /* no path holds a NUL: the line is accounted for, not cut short at it */
            struct buf w = BUF_INIT;
            size_t k;

            for (k = 0; k < (size_t)n; k++)
                if (!line[k])
                    line[k] = '?';
            buf_addf(&w, "a NUL byte in line %zu of the path list on standard input", lineno);
            why = buf_detach(&w, NULL);
        }
        VEC_GROW(run->stdin_paths, run->nstdin + 1, run->capstdin);
        VEC_GROW(run->stdin_why, run->nstdin + 1, capwhy);
        run->stdin_why[run->nstdin] = why;
        run->stdin_paths[run->nstdin++] = xmemdup0(line, (size_t)n);
    }
    free(line);
    if (ferror(stdin)) {
        diag_printf("-: the path list on standard input cannot be read: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void
pipeline_walk_all(struct run *run)
{
    const char **roots = xcalloc(run->o->npaths + run->nstdin + 1, sizeof(*roots));
    struct ing_walker *wk;
    struct given g;
    size_t i, k, n = 0;

    for (i = 0; i < run->o->npaths; i++)
        if (strcmp(run->o->paths[i], "-"))
            roots[n++] = run->o->paths[i];
    for (k = 0; k < run->nstdin; k++)
        roots[n++] = run->stdin_paths[k];
    /* asked once a pass: the catalogue may grow as pass 1 reads KDKs */
    run->names_only = !sym_needs_lookups(run->sym);
    wk = ing_walker_new(roots, n);
    memset(&g, 0, sizeof(g));
    g.roots = roots;
    g.nroots = n;
    for (i = 0; i < run->o->npaths && !run->io_error; i++) {
        if (strcmp(run->o->paths[i], "-")) {
            walk_given(run, wk, run->o->paths[i], &g);
            continue;
        }
        for (k = 0; k < run->nstdin && !run->io_error; k++)
            if (run->stdin_why[k])
                on_input(run->stdin_paths[k], run->stdin_why[k], run);
            else
                walk_given(run, wk, run->stdin_paths[k], &g);
    }
    pipeline_pool_drain(run->pool); /* the last window, in order */
    ing_walker_free(wk);
    strv_release(&g.members);
    free(roots);
}
