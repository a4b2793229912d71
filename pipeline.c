/*
 * pipeline.c - one pass over the inputs, one report in memory at a time.
 *
 * Outputs are written to a temporary file beside their destination and renamed at the
 * end, so a summary is never half-written; the per-report CSV and JSON rows are streamed.
 */
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "report/rep.h"
#include "symbolicate/sym.h"
#include "util/buf.h"
#include "util/pathcmp.h"
#include "util/err.h"
#include "util/xalloc.h"

struct out {
    const char *path; /* NULL or "-": standard output */
    char *tmp;
    FILE *f;
    int direct; /* written in place: not a regular file */
    dev_t dev;  /* the temporary file, which a walk must not take for an input */
    ino_t ino;
};

struct run {
    const struct kpt_opts *o;
    int pass; /* 1: collect lookups; 2: the real pass */
    char **stdin_paths;
    size_t nstdin, capstdin;
    struct arena *arena;
    struct sym_ctx *sym;
    struct clu_rules *rules;
    struct clu_table *table;
    struct out md, csv, rcsv, json, plot, state;
    struct kpt_baseline base;
    struct kpt_summary sum;
    struct kpt_rejected *rej;
    size_t nrej, rej_cap;
    int io_error, progress;
};

/* a path or reason for stderr: control bytes escaped, at most 200 bytes */
static void
diag(const char *path, const char *why)
{
    struct buf b = BUF_INIT;
    const unsigned char *p;

    for (p = (const unsigned char *)path; *p && b.len < 200; p++) {
        if (*p < 0x20 || *p == 0x7f)
            buf_addf(&b, "\\x%02x", *p);
        else
            buf_addc(&b, (char)*p);
    }
    fprintf(stderr, "kptrace-batch: %s: %s\n", b.data, why);
    buf_release(&b);
}

static int
out_open(struct out *o, const char *path)
{
    struct stat st;
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
        if (!(o->f = fopen(path, "w"))) {
            fprintf(stderr, "kptrace-batch: cannot write '%s': %s\n", path, strerror(errno));
            return KPT_E_IO;
        }
        o->direct = 1;
        return 0;
    }
    o->tmp = xmalloc(strlen(path) + 16);
    memcpy(o->tmp, path, strlen(path));
    memcpy(o->tmp + strlen(path), ".tmp.XXXXXX", 12);
    if ((fd = mkstemp(o->tmp)) < 0 || fstat(fd, &st) < 0 || !(o->f = fdopen(fd, "w"))) {
        fprintf(stderr, "kptrace-batch: cannot write '%s': %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(o->tmp);
        o->tmp = NULL;
        return KPT_E_IO;
    }
    o->dev = st.st_dev;
    o->ino = st.st_ino;
    return 0;
}

/* 1 when path is one of this run's own temporary outputs (written inside an input folder) */
static int
own_output(const struct run *run, const char *path)
{
    const struct out *outs[] = { &run->md, &run->csv, &run->rcsv, &run->json, &run->plot, &run->state };
    struct stat st;
    size_t i;

    if (stat(path, &st) < 0)
        return 0;
    for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
        if (outs[i]->tmp && outs[i]->dev == st.st_dev && outs[i]->ino == st.st_ino)
            return 1;
    return 0;
}

/* commit (rename into place) or, with 'ok' 0, discard */
static int
out_close(struct out *o, int ok)
{
    int ret = 0;

    if (!o->f)
        return 0;
    if (o->f == stdout) {
        if (fflush(stdout) || ferror(stdout))
            ret = KPT_E_IO;
    } else if (o->direct) {
        if (fclose(o->f))
            ret = KPT_E_IO;
    } else {
        if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
            ret = KPT_E_IO;
        if (fclose(o->f))
            ret = KPT_E_IO;
        if (ok && !ret && rename(o->tmp, o->path))
            ret = KPT_E_IO;
        if (!ok || ret)
            unlink(o->tmp);
        if (ret)
            fprintf(stderr, "kptrace-batch: cannot write '%s': %s\n", o->path, strerror(errno));
    }
    free(o->tmp);
    o->f = NULL;
    o->tmp = NULL;
    return ret;
}

static void
remember_rejected(struct run *run, const struct kpt_report *r)
{
    if (run->nrej >= KPT_REJECTED_LISTED) {
        run->sum.rej_unlisted++;
        return;
    }
    VEC_GROW(run->rej, run->nrej + 1, run->rej_cap);
    run->rej[run->nrej].path = xstrdup(r->path);
    run->rej[run->nrej].why = xstrdup(r->error ? r->error : "rejected");
    run->nrej++;
}

static void
account(struct run *run, struct kpt_report *r)
{
    kpt_fields_add(kpt_summary_fields, &run->sum, r);
    if (r->status == KPT_ST_REJECTED) {
        remember_rejected(run, r);
        if (!run->o->quiet)
            diag(r->path, r->error ? r->error : "rejected");
    }
}

/* ingest: one input into r (in run->arena) */
static void
read_report(struct run *run, const char *path, const char *why, struct kpt_report *r)
{
    void *data = NULL;
    size_t len = 0;

    arena_clear(run->arena);
    kpt_report_init(r, run->arena, path);
    if (why) {
        r->status = KPT_ST_REJECTED;
        r->error = why;
    } else if (ing_load(path, &run->o->lim, run->arena, &data, &len, &why) < 0) {
        r->status = KPT_ST_REJECTED;
        r->error = why;
    } else {
        ing_parse(data, len, &run->o->lim, run->arena, r);
        free(data);
    }
}

/* --since, --until, --build: 1 when r is left out */
static int
excluded(const struct kpt_opts *o, const struct kpt_report *r)
{
    size_t i;
    int found = !o->nbuilds;

    for (i = 0; i < o->nbuilds && r->os_build; i++)
        if (!strcmp(o->builds[i], r->os_build))
            found = 1;
    if (!found)
        return 1;
    if ((o->has_since || o->has_until) && !r->has_when)
        return 1;
    return (o->has_since && r->when < o->since) || (o->has_until && r->when >= o->until);
}

static int
on_input(const char *path, const char *why, void *ctx)
{
    struct run *run = ctx;
    struct kpt_report r;
    int first = run->sum.files == 0, out = 0;

    if (!why && own_output(run, path))
        return 0; /* not an input: this run's summary being written */
    read_report(run, path, why, &r);
    r.seq = run->sum.files;
    if (r.status != KPT_ST_REJECTED)
        out = excluded(run->o, &r);
    if (run->pass == 1) {
        if (r.status != KPT_ST_REJECTED && !out)
            sym_collect(run->sym, run->arena, &r);
        return 0;
    }
    if (out) {
        r.excluded = 1;
        if (!r.error)
            r.error = "left out by --since, --until or --build";
        sym_resolve(run->sym, run->arena, &r);
        clu_sign(run->rules, run->arena, &r);
    } else if (r.status != KPT_ST_REJECTED) {
        sym_resolve(run->sym, run->arena, &r);
        clu_sign(run->rules, run->arena, &r);
        clu_add(run->table, &r);
    }
    account(run, &r);
    {
        struct buf crow = BUF_INIT, jrow = BUF_INIT;

        if (run->rcsv.f || run->state.f)
            rep_reports_csv_row_buf(&crow, run->arena, &r);
        if (run->json.f || run->state.f)
            rep_json_report_buf(&jrow, run->arena, &r);
        if (run->rcsv.f && rep_write_text(run->rcsv.f, crow.data, crow.len) < 0)
            run->io_error = 1;
        if (run->json.f && (rep_json_sep(run->json.f, first) < 0 ||
                            rep_write_text(run->json.f, jrow.data, jrow.len) < 0))
            run->io_error = 1;
        if (run->state.f && rep_state_report(run->state.f, r.path, crow.data, jrow.data, first) < 0)
            run->io_error = 1;
        buf_release(&crow);
        buf_release(&jrow);
    }
    if (run->progress && run->sum.files % 250 == 0)
        fprintf(stderr, "\rkptrace-batch: %zu files read", run->sum.files);
    return run->io_error ? KPT_E_IO : 0;
}

/* '-': the paths on standard input, read once and kept for both passes */
static void
read_stdin_paths(struct run *run)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n)
            continue;
        VEC_GROW(run->stdin_paths, run->nstdin + 1, run->capstdin);
        run->stdin_paths[run->nstdin++] = xstrdup(line);
    }
    free(line);
}

static void
walk_all(struct run *run)
{
    size_t i, k;

    for (i = 0; i < run->o->npaths && !run->io_error; i++) {
        if (strcmp(run->o->paths[i], "-")) {
            ing_walk(run->o->paths[i], on_input, run);
            continue;
        }
        for (k = 0; k < run->nstdin && !run->io_error; k++)
            ing_walk(run->stdin_paths[k], on_input, run);
    }
}

static void
sym_options(const struct kpt_opts *o, struct sym_opts *so)
{
    memset(so, 0, sizeof(*so));
    so->enabled = !o->no_symbolicate;
    so->kdks = o->kdks;
    so->nkdks = o->nkdks;
    so->roots = o->roots;
    so->nroots = o->nroots;
    so->kexts = o->kexts;
    so->nkexts = o->nkexts;
    so->lldb = o->lldb;
    so->jobs = o->jobs;
    so->cache_dir = o->cache;
    so->no_cache = o->no_cache;
    so->chunk_timeout_ms = o->lldb_timeout_ms;
    so->start_timeout_ms = o->lldb_timeout_ms ? o->lldb_timeout_ms * 10 : 0;
    so->lldb_log = o->lldb_log;
}

static void
verbose_counts(const struct kpt_symstats *st)
{
    fprintf(stderr,
            "kptrace-batch: symbols: %zu kernels and %zu kexts catalogued; %zu distinct lookups, "
            "%zu from the cache, %zu sent to lldb (%zu failed), %zu lldb processes started\n",
            st->kernels, st->kexts, st->lookups, st->cache_hits, st->lldb_lookups, st->lldb_failed,
            st->lldb_starts);
}

static int
cmp_rej(const void *x, const void *y)
{
    return strcmp(((const struct kpt_rejected *)x)->path, ((const struct kpt_rejected *)y)->path);
}

/* --baseline: the earlier run's clusters; another algorithm is refused */
static int
load_baseline(const char *path, struct kpt_baseline *base)
{
    struct buf err = BUF_INIT;
    int ret = rep_baseline_load(path, base, &err);

    if (ret < 0) {
        fprintf(stderr, "kptrace-batch: --baseline: %s\n", err.data);
    } else if (base->algo && strcmp(base->algo, CLU_ALGO)) {
        fprintf(stderr, "kptrace-batch: --baseline: made with %s, this run is %s: keys are not "
                        "comparable (an alias table would be needed)\n", base->algo, CLU_ALGO);
        ret = KPT_E_FORMAT;
    }
    buf_release(&err);
    return ret;
}

static int
open_outputs(const struct kpt_opts *o, struct run *run)
{
    return out_open(&run->md, o->output) < 0 || (o->csv && out_open(&run->csv, o->csv) < 0) ||
                   (o->reports_csv && out_open(&run->rcsv, o->reports_csv) < 0) ||
                   (o->json && out_open(&run->json, o->json) < 0) ||
                   (o->plot && out_open(&run->plot, o->plot) < 0) ||
                   (o->state && out_open(&run->state, o->state) < 0)
               ? -1 : 0;
}

static int
close_outputs(struct run *run, int ok)
{
    struct out *outs[] = { &run->md, &run->csv, &run->rcsv, &run->json, &run->plot, &run->state };
    size_t i;
    int ret = 0;

    for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
        if (out_close(outs[i], ok) < 0)
            ret = -1;
    return ret;
}

/* the end of a run or a merge: the summary-level outputs */
static void
write_summary(struct run *run)
{
    if (!run->io_error && ((run->md.f && rep_markdown(run->md.f, &run->sum) < 0) ||
                           (run->csv.f && rep_clusters_csv(run->csv.f, &run->sum) < 0) ||
                           (run->json.f && rep_json_end(run->json.f, &run->sum) < 0) ||
                           (run->plot.f && rep_plot_svg(run->plot.f, &run->sum) < 0) ||
                           (run->state.f && rep_state_end(run->state.f, &run->sum) < 0)))
        run->io_error = 1;
}

/* --baseline, then every output opened and its header written; -1 when the run cannot start */
static int
start_outputs(const struct kpt_opts *o, struct run *run)
{
    if (o->baseline) {
        if (load_baseline(o->baseline, &run->base) < 0)
            return -1;
        run->sum.base = &run->base;
    }
    if (open_outputs(o, run) < 0)
        return -1;
    if ((run->rcsv.f && rep_reports_csv_header(run->rcsv.f) < 0) ||
        (run->json.f && rep_json_begin(run->json.f) < 0) ||
        (run->state.f && rep_state_begin(run->state.f) < 0))
        run->io_error = 1;
    return 0;
}

/* the summary outputs, and the exit code they leave */
static int
finish(struct run *run, int *ok)
{
    struct out *outs[] = { &run->md, &run->csv, &run->rcsv, &run->json, &run->plot, &run->state };
    size_t i;

    write_summary(run);
    /* every output flushed before any is renamed into place: all or nothing */
    for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
        if (outs[i]->f && (fflush(outs[i]->f) || ferror(outs[i]->f)))
            run->io_error = 1;
    if (run->io_error) {
        fprintf(stderr, "kptrace-batch: writing the outputs failed (disk full?): nothing was replaced\n");
        *ok = 0;
        return KPT_EXIT_START;
    }
    return run->sum.rejected ? KPT_EXIT_REJECTED : KPT_EXIT_OK;
}

static void
run_release(struct run *run)
{
    size_t i;

    for (i = 0; i < run->nrej; i++) {
        free(run->rej[i].path);
        free(run->rej[i].why);
    }
    free(run->rej);
    run->rej = NULL;
    run->nrej = 0;
    clu_table_free(run->table);
    run->table = NULL;
    kpt_baseline_release(&run->base);
}

int
pipeline_run(const struct kpt_opts *o)
{
    struct run run;
    struct sym_opts so;
    size_t i;
    int ret = KPT_EXIT_OK, ok = 1;

    memset(&run, 0, sizeof(run));
    run.o = o;
    run.progress = !o->quiet && isatty(2);
    if (start_outputs(o, &run) < 0) {
        ret = KPT_EXIT_START;
        ok = 0;
        goto out;
    }
    run.arena = arena_new(256 * 1024);
    sym_options(o, &so);
    run.sym = sym_ctx_new(&so, o->quiet ? NULL : stderr);
    {
        struct buf err = BUF_INIT;

        if (clu_rules_load(o->rules, &run.rules, &err) < 0) {
            fprintf(stderr, "kptrace-batch: rules: %s\n", err.data);
            buf_release(&err);
            ok = 0;
            ret = KPT_EXIT_START;
            goto out;
        }
        buf_release(&err);
    }
    run.table = clu_table_new(o->json != NULL || o->state != NULL);
    if (o->frames)
        clu_rules_set_frames(run.rules, o->frames);
    for (i = 0; i < o->npaths; i++)
        if (!strcmp(o->paths[i], "-") && !run.nstdin)
            read_stdin_paths(&run);
    if (sym_needs_pass(run.sym)) {
        /* pass 1: every lookup of every report, deduplicated, then lldb in parallel */
        run.pass = 1;
        walk_all(&run);
        sym_run(run.sym, o->quiet ? NULL : stderr);
    }
    run.pass = 2;
    walk_all(&run);
    if (run.progress)
        fputs("\r\033[K", stderr);

    run.sum.clusters = clu_table_result(run.table, &run.sum.nclusters);
    if (run.nrej > 1)
        qsort(run.rej, run.nrej, sizeof(*run.rej), cmp_rej);
    run.sum.rej = run.rej;
    run.sum.nrej = run.nrej;
    run.sum.algo = CLU_ALGO;
    run.sum.rules = clu_rules_digest(run.rules);
    run.sum.build_a = o->build_a;
    run.sum.build_b = o->build_b;
    run.sum.plot = o->plot;
    run.sum.sig_frames = o->frames;
    if (run.base.rules && strcmp(run.base.rules, run.sum.rules) && !o->quiet)
        fprintf(stderr, "kptrace-batch: --baseline: its rules (%s) differ from this run's (%s); keys "
                        "may have moved\n", run.base.rules, run.sum.rules);
    run.sum.sym = sym_ctx_stats(run.sym);
    if (o->verbose)
        verbose_counts(run.sum.sym);
    ret = finish(&run, &ok);
    if (!o->quiet)
        fprintf(stderr, "kptrace-batch: %zu inputs: %zu ok, %zu partial, %zu rejected; %zu clusters\n",
                run.sum.files, run.sum.ok, run.sum.partial, run.sum.rejected, run.sum.nclusters);
out:
    if (close_outputs(&run, ok) < 0)
        ret = KPT_EXIT_START;
    run_release(&run);
    for (i = 0; i < run.nstdin; i++)
        free(run.stdin_paths[i]);
    free(run.stdin_paths);
    clu_rules_free(run.rules);
    sym_ctx_free(run.sym);
    arena_free(run.arena);
    return ret;
}

/* trace and explain: one report through every stage but the table; prints with control
 * bytes escaped (report text on a terminal) */
static void
put_escaped(const char *prefix, const char *s)
{
    struct buf b = BUF_INIT;
    const unsigned char *p;

    buf_adds(&b, prefix);
    for (p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            buf_addf(&b, "\\x%02x", *p);
        else
            buf_addc(&b, (char)*p);
    }
    fputs(b.data, stdout);
    buf_release(&b);
}

static int
one_report(const struct kpt_opts *o, int explain)
{
    struct run run;
    struct sym_opts so;
    struct kpt_report r;
    char *newest = NULL;
    const char *path;
    size_t i;
    int ret = KPT_EXIT_OK;

    memset(&run, 0, sizeof(run));
    run.o = o;
    if (o->npaths) {
        path = o->paths[0];
    } else if ((newest = cli_newest_report("/Library/Logs/DiagnosticReports"))) {
        path = newest;
    } else {
        fprintf(stderr, "kptrace-batch: no report given and none in /Library/Logs/DiagnosticReports\n");
        return KPT_EXIT_USAGE;
    }
    if (explain) {
        struct buf err = BUF_INIT;

        if (clu_rules_load(o->rules, &run.rules, &err) < 0) {
            fprintf(stderr, "kptrace-batch: rules: %s\n", err.data);
            buf_release(&err);
            free(newest);
            return KPT_EXIT_START;
        }
        buf_release(&err);
    }
    run.arena = arena_new(256 * 1024);
    sym_options(o, &so);
    run.sym = sym_ctx_new(&so, o->verbose ? stderr : NULL);
    read_report(&run, path, NULL, &r);
    if (r.status == KPT_ST_REJECTED) {
        diag(path, r.error ? r.error : "rejected");
        ret = KPT_EXIT_REJECTED;
        goto out;
    }
    if (sym_needs_pass(run.sym)) {
        sym_collect(run.sym, run.arena, &r);
        sym_run(run.sym, stderr);
    }
    sym_resolve(run.sym, run.arena, &r);
    if (explain) {
        struct buf ex = BUF_INIT;

        if (o->frames)
            clu_rules_set_frames(run.rules, o->frames);
        clu_explain(run.rules, run.arena, &r, &ex);
        buf_addf(&ex, "status   %s%s%s\n", kpt_status_name(r.status), r.error ? ": " : "",
                 r.error ? r.error : "");
        put_escaped("", ex.data);
        buf_release(&ex);
    } else {
        for (i = 0; i < r.nframes; i++) {
            put_escaped("  - ", kpt_frame_display(run.arena, &r.frames[i]));
            fputc('\n', stdout);
        }
        if (!r.nframes)
            fprintf(stderr, "kptrace-batch: %s: no backtrace in the report\n", path);
    }
    if (o->verbose)
        verbose_counts(sym_ctx_stats(run.sym));
    if (fflush(stdout) || ferror(stdout))
        ret = KPT_EXIT_START;
out:
    sym_ctx_free(run.sym);
    clu_rules_free(run.rules);
    arena_free(run.arena);
    free(newest);
    return ret;
}

int
pipeline_trace(const struct kpt_opts *o)
{
    return one_report(o, 0);
}

int
pipeline_explain(const struct kpt_opts *o)
{
    return one_report(o, 1);
}

/* ---- merge: the outputs of one run over every shard's inputs ---- */

struct mrow {
    const struct kpt_state_row *row;
    size_t shard, seq;
};

static int
cmp_mrow(const void *x, const void *y)
{
    const struct mrow *a = x, *b = y;
    int c = path_walk_cmp(a->row->path, b->row->path);

    if (c)
        return c;
    if (a->shard != b->shard)
        return a->shard < b->shard ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int
pipeline_merge(const struct kpt_opts *o)
{
    struct run run;
    struct kpt_state *st = xcalloc(o->npaths, sizeof(*st));
    struct kpt_symstats sym;
    struct mrow *rows = NULL;
    size_t **map = xcalloc(o->npaths, sizeof(*map));
    size_t i, k, nrows = 0, rcap = 0;
    int ret = KPT_EXIT_OK, ok = 1;

    memset(&run, 0, sizeof(run));
    memset(&sym, 0, sizeof(sym));
    run.o = o;
    for (i = 0; i < o->npaths; i++) {
        struct buf err = BUF_INIT;

        if (rep_state_load(o->paths[i], &st[i], &err) < 0) {
            fprintf(stderr, "kptrace-batch: merge: %s\n", err.data);
            buf_release(&err);
            ret = KPT_EXIT_START;
            ok = 0;
            goto out;
        }
        buf_release(&err);
    }
    /* the totals, and the settings every state must share (algorithm, rules, --frames) */
    for (i = 0; i < o->npaths; i++) {
        char why[256];

        if (kpt_fields_merge(kpt_summary_fields, &run.sum, &st[i].sum, i == 0, why, sizeof(why)) < 0) {
            fprintf(stderr, "kptrace-batch: merge: %s differs from %s in %s: keys or outputs are "
                            "not comparable\n", o->paths[i], o->paths[0], why);
            ret = KPT_EXIT_START;
            ok = 0;
            goto out;
        }
        kpt_fields_merge(kpt_symstats_fields, &sym, &st[i].sym, i == 0, why, sizeof(why));
    }
    /* the reports in the order one walk over all the inputs meets them */
    for (i = 0; i < o->npaths; i++)
        for (k = 0; k < st[i].nrows; k++) {
            VEC_GROW(rows, nrows + 1, rcap);
            rows[nrows].row = &st[i].rows[k];
            rows[nrows].shard = i;
            rows[nrows].seq = k;
            nrows++;
        }
    if (nrows > 1)
        qsort(rows, nrows, sizeof(*rows), cmp_mrow);
    for (i = 0; i < o->npaths; i++)
        map[i] = xcalloc(st[i].nrows + 1, sizeof(**map));
    for (k = 0; k < nrows; k++)
        map[rows[k].shard][rows[k].seq] = k;

    run.table = clu_table_new(1);
    for (i = 0; i < o->npaths; i++) {
        for (k = 0; k < st[i].nclusters; k++)
            clu_table_merge(run.table, &st[i].clusters[k], map[i], st[i].nrows);
        for (k = 0; k < st[i].nrej; k++) {
            VEC_GROW(run.rej, run.nrej + 1, run.rej_cap);
            run.rej[run.nrej].path = xstrdup(st[i].rej[k].path);
            run.rej[run.nrej].why = xstrdup(st[i].rej[k].why);
            run.nrej++;
        }
    }
    if (run.nrej > 1)
        qsort(run.rej, run.nrej, sizeof(*run.rej), cmp_rej);
    while (run.nrej > KPT_REJECTED_LISTED) {
        run.nrej--;
        free(run.rej[run.nrej].path);
        free(run.rej[run.nrej].why);
        run.sum.rej_unlisted++;
    }

    if (start_outputs(o, &run) < 0) {
        ret = KPT_EXIT_START;
        ok = 0;
        goto out;
    }
    for (k = 0; k < nrows && !run.io_error; k++) {
        const struct kpt_state_row *r = rows[k].row;

        if ((run.rcsv.f && rep_write_text(run.rcsv.f, r->csv, strlen(r->csv)) < 0) ||
            (run.json.f && (rep_json_sep(run.json.f, k == 0) < 0 ||
                            rep_write_text(run.json.f, r->json, strlen(r->json)) < 0)) ||
            (run.state.f && rep_state_report(run.state.f, r->path, r->csv, r->json, k == 0) < 0))
            run.io_error = 1;
    }
    run.sum.clusters = clu_table_result(run.table, &run.sum.nclusters);
    run.sum.rej = run.rej;
    run.sum.nrej = run.nrej;
    run.sum.sym = &sym;
    run.sum.build_a = o->build_a;
    run.sum.build_b = o->build_b;
    run.sum.plot = o->plot;
    ret = finish(&run, &ok);
    if (!o->quiet)
        fprintf(stderr, "kptrace-batch: merged %zu states: %zu inputs: %zu ok, %zu partial, %zu rejected; %zu clusters\n",
                o->npaths, run.sum.files, run.sum.ok, run.sum.partial, run.sum.rejected, run.sum.nclusters);
out:
    if (close_outputs(&run, ok) < 0)
        ret = KPT_EXIT_START;
    run_release(&run);
    for (i = 0; i < o->npaths; i++) {
        rep_state_release(&st[i]);
        free(map[i]);
    }
    free(map);
    free(st);
    free(rows);
    kpt_fields_release(kpt_symstats_fields, &sym, 0);
    return ret;
}
