/*
 * pipeline.c - one pass over the inputs, one report in memory at a time.
 *
 * Outputs are written to a temporary file beside their destination and renamed at the
 * end, so a summary is never half-written (util/outfile.c, which also removes them when the
 * run is interrupted); the per-report CSV and JSON rows are streamed.
 */
#include "driver/pipeline.h"
#include "driver/pipeline_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "readers/rd.h"
#include "report/rep.h"
#include "symbolicate/sym.h"
#include "util/buf.h"
#include "util/pathcmp.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/outfile.h"
#include "util/xalloc.h"

/* a path or reason for stderr: one rule for every message (util/diag.c) */
void
pipeline_diag(const char *path, const char *why)
{
    diag_report(path, why);
}

/* 1 when path (st) is the run's history file or one SQLite keeps beside it */
static int
own_history(const struct run *run, const char *path, const struct stat *st)
{
    static const char *const side[] = { "", "-wal", "-shm", "-journal" };
    const char *h = run->o->history, *hb, *pb;
    size_t k, n;

    if (!h)
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
            pipeline_diag(r->path, r->error ? r->error : "rejected");
    }
}

/* ingest: one input into r (in run->arena); names_only: leave r empty (status ok, no
 * frames) when the bytes print no frame name (pass 1 with nothing but names to learn) */
static void
read_input(struct run *run, const char *path, const char *why, struct kpt_report *r, int names_only)
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
        if (!names_only || ing_may_print_names(data, len))
            ing_parse_named(path, data, len, &run->o->lim, run->arena, r);
        free(data);
    }
}

void
pipeline_read_report(struct run *run, const char *path, const char *why, struct kpt_report *r)
{
    struct stat st;

    /* "archive!member": a member, when no file has that name */
    if (!why && strchr(path, '!') && lstat(path, &st) < 0 && pipeline_read_member(run, path, r) == 0)
        return;
    if (!why && pipeline_is_archive(run, path)) {
        arena_clear(run->arena);
        kpt_report_init(r, run->arena, path);
        r->status = KPT_ST_REJECTED;
        r->error = "an archive: name one of its members, ARCHIVE!MEMBER, as its rows do";
        return;
    }
    read_input(run, path, why, r, 0);
}

int
pipeline_load_rules(const char *dir, const char *what, int frames, struct clu_rules **out)
{
    struct buf err = BUF_INIT;

    if (clu_rules_load(dir, out, &err) < 0) {
        fprintf(stderr, "kptrace-batch: %s: %s\n", what, err.data);
        buf_release(&err);
        return -1;
    }
    buf_release(&err);
    if (frames)
        clu_rules_set_frames(*out, frames);
    return 0;
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

/* everything after ingest for report r (read into run->arena): signed, counted, its rows */
int
pipeline_report(struct run *run, struct kpt_report *r)
{
    int first = run->sum.files == 0, out = 0;

    r->seq = run->sum.files;
    if (KPT_READ(r))
        out = excluded(run->o, r);
    if (run->pass == 1) {
        if (KPT_READ(r) && !out)
            sym_collect(run->sym, run->arena, r);
        else if (KPT_READ(r))
            sym_prepare(run->sym, run->arena, r); /* left out: its row still says its KDK */
        progress_tick(&run->progress, ++run->seen);
        return 0;
    }
    if (out) {
        r->excluded = 1;
        if (!r->error)
            r->error = "left out by --since, --until or --build";
        sym_resolve(run->sym, run->arena, r);
        clu_sign(run->rules, run->arena, r);
    } else if (KPT_READ(r)) {
        struct kpt_report b;

        sym_resolve(run->sym, run->arena, r);
        if (run->cmp) { /* the other rule set first: the frames keep this run's marks */
            b = *r;
            clu_sign(run->rules_b, run->arena, &b);
        }
        clu_sign(run->rules, run->arena, r);
        clu_add(run->table, r);
        if (run->cmp)
            clu_compare_add(run->cmp, r, &b);
    }
    account(run, r);
    pipeline_hist_add(run, r);
    {
        struct buf crow = BUF_INIT, jrow = BUF_INIT;

        if (run->out[OUT_RCSV].f || run->out[OUT_STATE].f)
            rep_reports_csv_row_buf(&crow, run->arena, r);
        if (run->out[OUT_JSON].f || run->out[OUT_STATE].f)
            rep_json_report_buf(&jrow, run->arena, r);
        if (run->out[OUT_RCSV].f && rep_write_text(run->out[OUT_RCSV].f, crow.data, crow.len) < 0)
            run->io_error = 1;
        if (run->out[OUT_JSON].f && (rep_json_sep(run->out[OUT_JSON].f, first) < 0 ||
                            rep_write_text(run->out[OUT_JSON].f, jrow.data, jrow.len) < 0))
            run->io_error = 1;
        if (run->out[OUT_STATE].f && rep_state_report(run->out[OUT_STATE].f, r->path, crow.data, jrow.data, first) < 0)
            run->io_error = 1;
        buf_release(&crow);
        buf_release(&jrow);
    }
    progress_tick(&run->progress, run->sum.files);
    return run->io_error ? KPT_E_IO : 0;
}

static int
on_input(const char *path, const char *why, void *ctx)
{
    struct run *run = ctx;
    struct kpt_report r;
    int ret;

    if (!why && own_output(run, path))
        return 0; /* not an input: this run's summary being written */
    if (!why && (ret = pipeline_archive(run, path)) != KPT_E_FORMAT)
        return ret; /* an archive: a row per member, and one for the archive */
    read_input(run, path, why, &r, run->pass == 1 && !sym_needs_lookups(run->sym));
    return pipeline_report(run, &r);
}

/* '-': the paths on standard input, read once and kept for both passes; -1 (said on
 * stderr) when the list cannot be read: a closed standard input, a folder */
static int
read_stdin_paths(struct run *run)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    size_t lineno = 0, capwhy = 0;

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
            size_t k;

            for (k = 0; k < (size_t)n; k++)
                if (!line[k])
                    line[k] = '?';
            {
                struct buf w = BUF_INIT;

                buf_addf(&w, "a NUL byte in line %zu of the path list on standard input", lineno);
                why = buf_detach(&w, NULL);
            }
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

/* one pass over every input: the given paths, and those read from standard input for '-' */
static void
walk_all(struct run *run)
{
    const char **roots = xcalloc(run->o->npaths + run->nstdin + 1, sizeof(*roots));
    struct ing_walker *wk;
    size_t i, k, n = 0;

    for (i = 0; i < run->o->npaths; i++)
        if (strcmp(run->o->paths[i], "-"))
            roots[n++] = run->o->paths[i];
    for (k = 0; k < run->nstdin; k++)
        roots[n++] = run->stdin_paths[k];
    wk = ing_walker_new(roots, n);
    for (i = 0; i < run->o->npaths && !run->io_error; i++) {
        if (strcmp(run->o->paths[i], "-")) {
            ing_walk(wk, run->o->paths[i], on_input, run);
            continue;
        }
        for (k = 0; k < run->nstdin && !run->io_error; k++)
            if (run->stdin_why[k])
                on_input(run->stdin_paths[k], run->stdin_why[k], run);
            else
                ing_walk(wk, run->stdin_paths[k], on_input, run);
    }
    ing_walker_free(wk);
    free(roots);
}

void
pipeline_sym_options(const struct kpt_opts *o, struct sym_opts *so)
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

void
pipeline_verbose_counts(const struct kpt_symstats *st)
{
    fprintf(stderr,
            "kptrace-batch: symbols: %zu kernels and %zu kexts catalogued; %zu distinct lookups, "
            "%zu from the cache, %zu sent to lldb (%zu failed), %zu lldb processes started\n",
            st->kernels, st->kexts, st->lookups, st->cache_hits, st->lldb_lookups, st->lldb_failed,
            st->lldb_starts);
}

int
pipeline_cmp_rej(const void *x, const void *y)
{
    return strcmp(((const struct kpt_rejected *)x)->path, ((const struct kpt_rejected *)y)->path);
}

/* --baseline: the earlier run's clusters; another algorithm is refused */
static int
load_baseline(const char *path, struct kpt_baseline *base)
{
    struct buf err = BUF_INIT;
    int ret = rd_baseline_load(path, base, &err);

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
    const char *paths[OUT_N];
    size_t i;

    paths[OUT_MD] = o->output; /* NULL: standard output */
    paths[OUT_CSV] = o->csv;
    paths[OUT_RCSV] = o->reports_csv;
    paths[OUT_JSON] = o->json;
    paths[OUT_PLOT] = o->plot;
    paths[OUT_HTML] = o->html;
    paths[OUT_STATE] = o->state;
    for (i = 0; i < OUT_N; i++)
        if ((i == OUT_MD || paths[i]) && outfile_open(&run->out[i], paths[i]) < 0)
            return -1;
    return 0;
}

int
pipeline_close_outputs(struct run *run, int ok)
{
    size_t i;
    int ret = 0, lock = run->has_lock ? run->lock : ok ? outfile_lock(run->out, OUT_N) : -1;

    if (lock == OUTFILE_LOCK_TIMEOUT) { /* held too long by another: nothing is replaced */
        ok = 0;
        ret = -1;
    }
    run->has_lock = 0;
    /* the renames under the lock: another run on these outputs commits before or after */
    for (i = 0; i < OUT_N; i++)
        if (outfile_close(&run->out[i], ok) < 0)
            ret = -1;
    outfile_unlock(lock);
    return ret;
}

/* the end of a run or a merge: the summary-level outputs */
static void
write_summary(struct run *run)
{
    if (!run->io_error && ((run->out[OUT_MD].f && rep_markdown(run->out[OUT_MD].f, &run->sum) < 0) ||
                           (run->out[OUT_CSV].f && rep_clusters_csv(run->out[OUT_CSV].f, &run->sum) < 0) ||
                           (run->out[OUT_JSON].f && rep_json_end(run->out[OUT_JSON].f, &run->sum) < 0) ||
                           (run->out[OUT_PLOT].f && rep_plot_svg(run->out[OUT_PLOT].f, &run->sum) < 0) ||
                           (run->out[OUT_HTML].f && rep_html(run->out[OUT_HTML].f, &run->sum) < 0) ||
                           (run->out[OUT_STATE].f && rep_state_end(run->out[OUT_STATE].f, &run->sum) < 0)))
        run->io_error = 1;
}

/* --baseline, then every output opened and its header written; -1 when the run cannot start */
int
pipeline_start_outputs(const struct kpt_opts *o, struct run *run)
{
    if (o->baseline) {
        if (load_baseline(o->baseline, &run->base) < 0)
            return -1;
        run->sum.base = &run->base;
    }
    if (open_outputs(o, run) < 0)
        return -1;
    if ((run->out[OUT_RCSV].f && rep_reports_csv_header(run->out[OUT_RCSV].f) < 0) ||
        (run->out[OUT_JSON].f && rep_json_begin(run->out[OUT_JSON].f) < 0) ||
        (run->out[OUT_STATE].f && rep_state_begin(run->out[OUT_STATE].f) < 0))
        run->io_error = 1;
    return pipeline_hist_start(run, o->merge ? "merge" : "run");
}

/* the summary outputs, and the exit code they leave */
int
pipeline_finish(struct run *run, int *ok)
{
    size_t i;

    if (!run->io_error && pipeline_hist_annotate(run) < 0) {
        *ok = 0;
        return KPT_EXIT_START;
    }
    write_summary(run);
    /* every output flushed before any is renamed into place: all or nothing */
    for (i = 0; i < OUT_N; i++)
        if (outfile_flush(&run->out[i]) < 0)
            run->io_error = 1;
    if (run->io_error) {
        fprintf(stderr, "kptrace-batch: writing the outputs failed (disk full?): nothing was replaced\n");
        *ok = 0;
        return KPT_EXIT_START;
    }
    /* the outputs' lock before the history's commit: a run that cannot replace its outputs
     * records nothing */
    run->lock = outfile_lock(run->out, OUT_N);
    run->has_lock = 1;
    if (run->lock == OUTFILE_LOCK_TIMEOUT) {
        *ok = 0;
        return KPT_EXIT_START;
    }
    /* the history's rows last: a run whose outputs fail records nothing */
    if (pipeline_hist_commit(run) < 0) {
        fprintf(stderr, "kptrace-batch: the history was not written: nothing was replaced\n");
        *ok = 0;
        return KPT_EXIT_START;
    }
    return run->sum.rejected ? KPT_EXIT_REJECTED : KPT_EXIT_OK;
}

void
pipeline_run_release(struct run *run)
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
    hist_close(run->hist); /* a run not committed adds nothing */
    run->hist = NULL;
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
    progress_init(&run.progress, !o->quiet && isatty(2) ? stderr : NULL);
    /* what the outputs would overwrite, before anything is read */
    if (pipeline_check_outputs(o, NULL, 0) < 0) {
        ret = KPT_EXIT_USAGE;
        ok = 0;
        goto out;
    }
    if (pipeline_start_outputs(o, &run) < 0) {
        ret = KPT_EXIT_START;
        ok = 0;
        goto out;
    }
    run.arena = arena_new(256 * 1024);
    pipeline_sym_options(o, &so);
    run.sym = sym_ctx_new(&so, o->quiet ? NULL : stderr);
    if (pipeline_load_rules(o->rules, "rules", o->frames, &run.rules) < 0 ||
        (o->compare_rules &&
         pipeline_load_rules(o->compare_rules, "--compare-rules", o->frames, &run.rules_b) < 0)) {
        ok = 0;
        ret = KPT_EXIT_START;
        goto out;
    }
    run.table = clu_table_new(o->json != NULL || o->state != NULL);
    if (o->compare_rules)
        run.cmp = clu_compare_new();
    /* the path list (outputs open meanwhile, as temporary files), then the outputs against
     * the paths it names: still before any input is read */
    for (i = 0; i < o->npaths; i++)
        if (!strcmp(o->paths[i], "-") && !run.stdin_read++ && read_stdin_paths(&run) < 0) {
            ret = KPT_EXIT_START;
            ok = 0;
            goto out;
        }
    if (run.nstdin && pipeline_check_outputs_extra(o, run.stdin_paths, run.nstdin) < 0) {
        ret = KPT_EXIT_USAGE;
        ok = 0;
        goto out;
    }
    if (sym_needs_pass(run.sym)) {
        /* pass 1: every lookup of every report, deduplicated, then lldb in parallel */
        run.pass = 1;
        progress_start(&run.progress, "reading", 0);
        walk_all(&run);
        progress_clear(&run.progress);
        sym_run(run.sym, o->quiet ? NULL : stderr);
    }
    /* the second pass knows how many inputs there are when the first one ran */
    progress_start(&run.progress, run.pass == 1 ? "signing" : "reading", run.pass == 1 ? run.seen : 0);
    run.pass = 2;
    walk_all(&run);
    progress_clear(&run.progress);

    run.sum.clusters = clu_table_result(run.table, &run.sum.nclusters);
    if (run.nrej > 1)
        qsort(run.rej, run.nrej, sizeof(*run.rej), pipeline_cmp_rej);
    run.sum.rej = run.rej;
    run.sum.nrej = run.nrej;
    run.sum.algo = CLU_ALGO;
    run.sum.rules = clu_rules_digest(run.rules);
    run.sum.build_a = o->build_a;
    run.sum.build_b = o->build_b;
    run.sum.plot = o->plot;
    /* --frames 3 is the default: a state says 0 for both, so that merge sees one setting */
    run.sum.sig_frames = o->frames == CLU_DEFAULT_FRAMES ? 0 : o->frames;
    if (run.cmp)
        run.sum.rdiff = clu_compare_result(run.cmp, clu_rules_digest(run.rules_b));
    if (run.base.rules && strcmp(run.base.rules, run.sum.rules) && !o->quiet)
        fprintf(stderr, "kptrace-batch: --baseline: its rules (%s) differ from this run's (%s); keys "
                        "may have moved\n", run.base.rules, run.sum.rules);
    run.sum.sym = sym_ctx_stats(run.sym);
    if (o->verbose)
        pipeline_verbose_counts(run.sum.sym);
    ret = pipeline_finish(&run, &ok);
    if (!o->quiet)
        fprintf(stderr, "kptrace-batch: %zu inputs: %zu ok, %zu partial, %zu rejected%s; %zu clusters\n",
                run.sum.files, run.sum.ok, run.sum.partial, run.sum.rejected,
                run.sum.skipped ? arena_printf(run.arena, ", %zu skipped (not kernel panics)", run.sum.skipped) : "",
                run.sum.nclusters);
out:
    if (pipeline_close_outputs(&run, ok) < 0)
        ret = KPT_EXIT_START;
    pipeline_run_release(&run);
    for (i = 0; i < run.nstdin; i++) {
        free(run.stdin_paths[i]);
        free((char *)run.stdin_why[i]);
    }
    free(run.stdin_paths);
    free(run.stdin_why);
    clu_rules_free(run.rules);
    clu_rules_free(run.rules_b);
    clu_compare_free(run.cmp);
    sym_ctx_free(run.sym);
    arena_free(run.arena);
    return ret;
}
