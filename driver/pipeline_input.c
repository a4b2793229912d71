/*
 * pipeline_input.c - a walk over the inputs, for one stage: the walk submits each input to
 * the pool (pipeline_pool.c); a worker reads its bytes once and, unless they are an archive,
 * read_one()s them into its job; the walking thread consumes the jobs in input order,
 * handing each report to the stage's take() (an archive's members, from the bytes the worker
 * read: pipeline_archive.c). What a worker does reads only the stage and its const context.
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
#include "util/bytes.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/outfile.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* a walk: the pool's ctx */
struct pipeline_walker {
    const struct pipeline_stage *st;
    struct pipeline_pool *pool;
    struct arena *own; /* the consuming thread's: the reports it reads itself */
};

/* 1 when path (st) is the run's history file or one SQLite keeps beside it */
static int
own_history(const struct run_ctx *cx, const char *path, const struct stat *st)
{
    static const char *const side[] = { "", "-wal", "-shm", "-journal" };
    const char *h = cx->o->history, *hb, *pb;
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
own_output(const struct run_ctx *cx, const char *path)
{
    struct stat st;
    size_t i;

    if (outfile_is_lock(path))
        return 1; /* the lock beside an earlier run's outputs */
    if (stat(path, &st) < 0)
        return 0;
    for (i = 0; cx->out && i < OUT_N; i++)
        if (outfile_is_tmp(&cx->out[i], st.st_dev, st.st_ino))
            return 1;
    return own_history(cx, path, &st);
}

/* 1 when path may name an archive's member: "archive!member", and no file has that name */
static int
member_path(const char *path)
{
    struct stat st;

    return strchr(path, '!') && lstat(path, &st) < 0;
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

static int
stop_at_first(const struct ing_member *m, void *ctx)
{
    (void)m;
    (void)ctx;
    return 1;
}

/* what the input's bytes are: 0 no archive, 1 an archive, 2 a lone compressed report (a
 * stream); data NULL: the file at path, read as far as its first member */
static int
archive_kind(const struct run_ctx *cx, const char *path, const void *data, size_t len)
{
    struct ing_archive_stats st;
    int ret;

    memset(&st, 0, sizeof(st));
    ret = data ? ing_archive_read_mem(data, len, path, &cx->o->lim, stop_at_first, NULL, &st)
               : ing_archive_read(path, &cx->o->lim, stop_at_first, NULL, &st);
    free(st.damage);
    return ret == KPT_E_FORMAT ? 0 : st.raw ? 2 : 1;
}

/* the input at path, read once into *data (malloc'd); on a worker (p, j), its memory
 * reserved once it is open, before any of it is read (one open a file: the bytes it is sized
 * by are the bytes then read); -1 (err says why) when it cannot be read whole */
static int
load(const struct run_ctx *cx, struct pipeline_pool *p, struct pipeline_job *j, const char *path,
     void **data, size_t *len, struct buf *err)
{
    const struct kpt_limits *lim = &cx->o->lim;
    size_t size;
    int fd, ret;

    if ((ret = ing_open(path, lim, &fd, &size, err)) < 0)
        return ret;
    if (p)
        pipeline_pool_reserve(p, j, input_bytes(lim, fd, size));
    return ing_read(fd, lim, data, len, err) < 0 ? -1 : 0;
}

/*
 * On a worker: what the input is, from its bytes, read once. A report is read_one()d here.
 * An archive keeps its bytes for the consuming thread, which reads its members from them. A
 * file that cannot be read whole (too large for a report) may still be an archive, which
 * the consuming thread then reads from disk: its report says why it could not be read,
 * should it be none.
 */
static void
work(void *ctx, struct pipeline_job *j)
{
    const struct pipeline_walker *w = ctx;
    struct pipeline_input in = { j->path, NULL, 0, j->why, NULL };
    struct buf err = BUF_INIT;
    void *data = NULL;

    j->kind = JOB_REPORT;
    j->data = NULL;
    arena_clear(j->arena);
    if (!j->why) {
        if (own_output(w->st->cx, j->path)) {
            j->kind = JOB_SKIP; /* not an input: this run's summary being written */
            return;
        }
        if (member_path(j->path)) {
            j->kind = JOB_MEMBER; /* a member given as an input: read on the consuming thread */
            return;
        }
        if (load(w->st->cx, w->pool, j, j->path, &data, &in.len, &err) < 0) {
            j->kind = JOB_ARCHIVE; /* unread: perhaps an archive, read from disk */
            in.why = err.data;
        } else if (archive_kind(w->st->cx, j->path, data, in.len)) {
            j->kind = JOB_ARCHIVE; /* its members are taken on the consuming thread */
            j->data = data;
            j->len = in.len;
            pipeline_pool_settle(w->pool, j, in.len);
            buf_release(&err);
            return;
        }
    }
    in.data = data;
    read_one(w->st, j->arena, &in, &j->r, &j->b, &j->is_signed);
    free(data);
    buf_release(&err);
    pipeline_pool_settle(w->pool, j, arena_held(j->arena));
}

/* on the walking thread, in input order */
static int
consume(void *ctx, struct pipeline_job *j)
{
    struct pipeline_walker *w = ctx;
    const struct pipeline_stage *st = w->st;
    struct kpt_report r, b;
    int ret, is_signed;

    switch (j->kind) {
    case JOB_SKIP: return 0;
    case JOB_MEMBER:
        arena_clear(w->own);
        if (pipeline_read_member(st, w->own, j->path, &r, &b, &is_signed) < 0) {
            arena_clear(w->own);
            kpt_report_init(&r, w->own, j->path);
            r.status = KPT_ST_REJECTED;
            r.error = "No such file or directory (nor a member of an archive)";
            is_signed = 0;
        }
        return st->take(st, w->own, &r, &b, is_signed);
    case JOB_ARCHIVE:
        /* a row per member, and one for the archive */
        if ((ret = pipeline_archive(st, w->own, j->path, j->data, j->len)) != KPT_E_FORMAT)
            return ret;
        if (j->data) { /* no archive after all: the bytes read as a file */
            struct pipeline_input in = { j->path, j->data, j->len, NULL, NULL };

            arena_clear(j->arena);
            read_one(st, j->arena, &in, &j->r, &j->b, &j->is_signed);
        }
        break; /* none: the report says why the file could not be read */
    case JOB_REPORT: break;
    }
    return st->take(st, j->arena, &j->r, &j->b, j->is_signed);
}

static int
on_input(const char *path, const char *why, void *ctx)
{
    struct pipeline_walker *w = ctx;

    return pipeline_pool_submit(w->pool, path, why);
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
walk_given(struct pipeline_walker *w, struct ing_walker *wk, const char *path, struct given *g)
{
    size_t i;

    if (!member_path(path)) {
        ing_walk(wk, path, on_input, w);
        return;
    }
    for (i = 0; i < g->members.n; i++)
        if (!strcmp(g->members.v[i], path))
            return;
    strv_push(&g->members, path);
    if (!archive_given(path, g->roots, g->nroots))
        on_input(path, NULL, w);
}

/* one line of the path list, n bytes of line (NUL-terminated), kept */
static void
add_line(struct pipeline_inputs *in, char *line, size_t n, size_t lineno, size_t *capwhy)
{
    const char *why = NULL;

    if (memchr(line, '\0', n)) {
        /* no path holds a NUL: the line is accounted for, not cut short at it */
        struct buf w = BUF_INIT;
        size_t k;

        for (k = 0; k < n; k++)
            if (!line[k])
                line[k] = '?';
        buf_addf(&w, "a NUL byte in line %zu of the path list on standard input", lineno);
        why = buf_detach(&w, NULL);
    }
    VEC_GROW(in->paths, in->n + 1, in->cap);
    VEC_GROW(in->why, in->n + 1, *capwhy);
    in->why[in->n] = why;
    in->paths[in->n++] = xmemdup0(line, n);
}

/* '-': the paths on standard input, read once and kept for every stage; -1 (said on
 * stderr) when the list cannot be read: a closed standard input, a folder */
static int
read_stdin(struct pipeline_inputs *in)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0, capwhy = 0;
    ssize_t n;

    while ((n = getline(&line, &cap, stdin)) > 0) {
        struct stat st;

        lineno++;
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        /* a CRLF list: the CR goes, unless a file has that name (names are bytes) */
        if (n && line[n - 1] == '\r' && lstat(line, &st) < 0)
            line[--n] = '\0';
        if (n)
            add_line(in, line, (size_t)n, lineno, &capwhy);
    }
    free(line);
    if (ferror(stdin)) {
        diag_printf("-: the path list on standard input cannot be read: %s", strerror(errno));
        return KPT_E_IO;
    }
    return 0;
}

int
pipeline_inputs_read(const struct kpt_opts *o, struct pipeline_inputs *in)
{
    size_t i;

    for (i = 0; i < o->npaths; i++)
        if (!strcmp(o->paths[i], "-"))
            return read_stdin(in); /* once, however often '-' is given */
    return 0;
}

void
pipeline_inputs_release(struct pipeline_inputs *in)
{
    size_t i;

    for (i = 0; i < in->n; i++) {
        free(in->paths[i]);
        free((char *)in->why[i]);
    }
    free(in->paths);
    free(in->why);
    memset(in, 0, sizeof(*in));
}

/* the walk's workers and its own arena: a pool that reads the inputs, with twice the largest
 * text an input may have in flight (inputs near the limit are read one at a time, as at -j1,
 * and small ones by every worker) */
static void
walker_start(struct pipeline_walker *w, const struct pipeline_stage *st)
{
    const struct kpt_opts *o = st->cx->o;

    memset(w, 0, sizeof(*w));
    w->st = st;
    w->own = arena_new(256 * 1024);
    w->pool = pipeline_pool_new(pipeline_jobs(o->jobs), st_mult(2, o->lim.max_file_bytes), work,
                                consume, w);
}

void
pipeline_walk(const struct pipeline_inputs *in, const struct pipeline_stage *st)
{
    const struct kpt_opts *o = st->cx->o;
    struct pipeline_walker w;
    const char **roots = xcalloc(o->npaths + in->n + 1, sizeof(*roots));
    struct ing_walker *wk;
    struct given g;
    size_t i, k, n = 0;

    for (i = 0; i < o->npaths; i++)
        if (strcmp(o->paths[i], "-"))
            roots[n++] = o->paths[i];
    for (k = 0; k < in->n; k++)
        roots[n++] = in->paths[k];
    walker_start(&w, st);
    wk = ing_walker_new(roots, n);
    memset(&g, 0, sizeof(g));
    g.roots = roots;
    g.nroots = n;
    for (i = 0; i < o->npaths && !(st->halt && *st->halt); i++) {
        if (strcmp(o->paths[i], "-")) {
            walk_given(&w, wk, o->paths[i], &g);
            continue;
        }
        for (k = 0; k < in->n && !(st->halt && *st->halt); k++)
            if (in->why[k])
                on_input(in->paths[k], in->why[k], &w);
            else
                walk_given(&w, wk, in->paths[k], &g);
    }
    pipeline_pool_drain(w.pool); /* the last window, in order */
    pipeline_pool_free(w.pool);
    arena_free(w.own);
    ing_walker_free(wk);
    strv_release(&g.members);
    free(roots);
}

void
pipeline_read_path(const struct pipeline_stage *st, struct arena *a, const char *path,
                   struct kpt_report *r)
{
    struct pipeline_input in = { path, NULL, 0, NULL, NULL };
    struct kpt_report b;
    struct buf err = BUF_INIT;
    void *data = NULL;
    int is_signed;

    arena_clear(a);
    /* "archive!member": a member, when no file has that name */
    if (member_path(path) && pipeline_read_member(st, a, path, r, &b, &is_signed) == 0)
        return;
    if (load(st->cx, NULL, NULL, path, &data, &in.len, &err) < 0)
        in.why = err.data;
    in.data = data;
    arena_clear(a);
    if (archive_kind(st->cx, path, data, in.len) == 1) {
        kpt_report_init(r, a, path);
        r->status = KPT_ST_REJECTED;
        r->error = "an archive: name one of its members, ARCHIVE!MEMBER, as its rows do";
    } else {
        read_one(st, a, &in, r, &b, &is_signed);
    }
    free(data);
    buf_release(&err);
}
