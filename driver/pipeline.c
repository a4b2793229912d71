/*
 * pipeline.c - a run: the outputs opened, one pass over the inputs (two with symbolication
 * on), parsed on -j workers and counted in input order (pipeline_input.c), the summary.
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

#include <libxml/parser.h>

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "readers/rd.h"
#include "report/rep.h"
#include "symbolicate/sym.h"
#include "util/buf.h"
#include "util/pathcmp.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/outcommit.h"
#include "util/outfile.h"
#include "util/xalloc.h"

int
pipeline_load_rules(const char *dir, const char *what, int frames, struct clu_rules **out)
{
    struct buf err = BUF_INIT;

    if (clu_rules_load(dir, out, &err) < 0) {
        diag_printf("%s: %s", what, err.data);
        buf_release(&err);
        return -1;
    }
    buf_release(&err);
    if (frames)
        clu_rules_set_frames(*out, frames);
    return 0;
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
    so->readers = &rd_cache_readers;
}

void
pipeline_verbose_counts(const struct kpt_symstats *st)
{
    diag_printf("symbols: %zu kernels and %zu kexts catalogued; %zu distinct lookups, "
                "%zu from the cache, %zu sent to lldb (%zu failed), %zu lldb processes started",
                st->kernels, st->kexts, st->lookups, st->cache_hits, st->lldb_lookups,
                st->lldb_failed, st->lldb_starts);
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
        diag_printf("--baseline: %s", err.data);
    } else if (base->algo && strcmp(base->algo, CLU_ALGO)) {
        diag_printf("--baseline: made with %s, this run is %s: keys are not comparable (an alias "
                    "table would be needed)",
                    base->algo, CLU_ALGO);
        ret = KPT_E_FORMAT;
    }
    buf_release(&err);
    return ret;
}

static int
open_outputs(const struct kpt_opts *o, struct run *run)
{
    const char *paths[OUT_N];
    struct buf err = BUF_INIT;
    size_t i;
    int ret = 0;

    paths[OUT_MD] = o->output; /* NULL: standard output */
    paths[OUT_CSV] = o->csv;
    paths[OUT_RCSV] = o->reports_csv;
    paths[OUT_JSON] = o->json;
    paths[OUT_PLOT] = o->plot;
    paths[OUT_HTML] = o->html;
    paths[OUT_STATE] = o->state;
    for (i = 0; i < OUT_N && !ret; i++)
        if ((i == OUT_MD || paths[i]) && outfile_open(&run->out[i], paths[i], &err) < 0)
            ret = KPT_E_IO;
    diag_lines(err.data); /* util/ returns the reason; the driver prints it */
    buf_release(&err);
    return ret;
}

int
pipeline_close_outputs(struct run *run, int ok)
{
    size_t i;
    struct buf err = BUF_INIT;
    int ret = 0, lock = run->has_lock ? run->lock
                        : ok          ? outfile_lock(run->out, OUT_N, &err)
                                      : OUTFILE_NO_LOCK;

    if (lock == OUTFILE_LOCK_TIMEOUT) { /* held too long by another: nothing is replaced */
        ok = 0;
        ret = KPT_E_IO;
    }
    run->has_lock = 0;
    /* the renames under the lock: another run on these outputs commits before or after */
    for (i = 0; i < OUT_N; i++)
        if (outfile_close(&run->out[i], ok, &err) < 0)
            ret = KPT_E_IO;
    outfile_unlock(lock);
    diag_lines(err.data);
    buf_release(&err);
    return ret;
}

/* the end of a run or a merge: the summary-level outputs */
static void
write_summary(struct run *run)
{
    if (!run->io_error &&
        ((run->out[OUT_MD].f && rep_markdown(run->out[OUT_MD].f, &run->sum) < 0) ||
         (run->out[OUT_CSV].f && rep_clusters_csv(run->out[OUT_CSV].f, &run->sum) < 0) ||
         (run->out[OUT_JSON].f && rep_json_end(run->out[OUT_JSON].f, &run->sum) < 0) ||
         (run->out[OUT_PLOT].f && rep_plot_svg(run->out[OUT_PLOT].f, &run->sum) < 0) ||
         (run->out[OUT_HTML].f && rep_html(run->out[OUT_HTML].f, &run->sum) < 0)))
        run->io_error = 1;
    if (!run->io_error && run->out[OUT_STATE].f) {
        struct kpt_summary st = run->sum;

        if (run->unjoined)
            st.clusters = clu_table_result(run->unjoined, &st.nclusters);
        if (rep_state_end(run->out[OUT_STATE].f, &st) < 0)
            run->io_error = 1;
    }
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

/* a copy whose kext list was cut is shown under its one named twin (clu_join.c): in the
 * run's summaries, and the history records it there (pipeline_hist_annotate()); its report
 * rows and its state keep each report's own key (a merge of states joins again, over all of
 * them) */
static void
join_cut_copies(struct run *run)
{
    struct clu_table *j = clu_join_cut(run->table, &run->njoins, &run->joins);

    if (j) {
        run->unjoined = run->table;
        run->table = j;
    }
    run->sum.clusters = clu_table_result(run->table, &run->sum.nclusters);
}

/* outfile_commit()'s decision: the history's rows (written before the renames), committed */
static int
commit_history(void *ctx)
{
    struct run *run = ctx;

    if (pipeline_hist_commit(run) < 0) {
        diag_printf("the history was not written");
        return -1;
    }
    return 0;
}

/* the summary outputs, and the exit code they leave */
int
pipeline_finish(struct run *run, int *ok)
{
    size_t i;

    if (run->hist_error) { /* the history's error said, not the outputs' */
        diag_printf("the history was not written: nothing was replaced");
        *ok = 0;
        return KPT_EXIT_START;
    }
    join_cut_copies(run);
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
        diag_printf("writing the outputs failed (disk full?): nothing was replaced");
        *ok = 0;
        return KPT_EXIT_START;
    }
    /* the history's rows written in its open transaction: a wait for another writer's lock
     * ends here, before any output is renamed */
    if (pipeline_hist_write(run) < 0) {
        diag_printf("the history was not written: nothing was replaced");
        *ok = 0;
        return KPT_EXIT_START;
    }
    /* under the outputs' lock, one decision: every output renamed into place, then the
     * history's commit; a rename, a signal or the history failing puts every output back
     * and records nothing (util/outcommit.h) */
    {
        struct buf err = BUF_INIT;
        int failed;

        run->lock = outfile_lock(run->out, OUT_N, &err);
        run->has_lock = 1;
        failed = run->lock == OUTFILE_LOCK_TIMEOUT ||
                 outfile_commit(run->out, OUT_N, commit_history, run, &err) < 0;
        diag_lines(err.data);
        buf_release(&err);
        if (failed) {
            *ok = 0;
            return KPT_EXIT_START;
        }
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
    clu_table_free(run->unjoined);
    run->unjoined = NULL;
    free(run->joins);
    run->joins = NULL;
    run->njoins = 0;
    kpt_baseline_release(&run->base);
    hist_close(run->hist); /* a run not committed adds nothing */
    run->hist = NULL;
}

/* pass 1 (symbolication on: every lookup of every report, deduplicated, then lldb in
 * parallel), then pass 2, each over every input, parsed on the workers */
static void
run_passes(struct run *run)
{
    /* libxml2 sets itself up once, before threads parse property lists */
    xmlInitParser();
    /* symbolication's histograms take values in the order reports come: with it on,
     * resolving and signing stay on the consuming thread */
    run->sign_in_workers = !sym_needs_pass(run->sym);
    pipeline_start_workers(run);
    if (sym_needs_pass(run->sym)) {
        run->pass = 1;
        progress_start(&run->progress, "reading", 0);
        pipeline_walk_all(run);
        progress_clear(&run->progress);
        sym_run(run->sym, run->o->quiet ? NULL : diag_warn);
    }
    /* the second pass knows how many inputs there are when the first one ran */
    progress_start(&run->progress, run->pass == 1 ? "signing" : "reading",
                   run->pass == 1 ? run->seen : 0);
    run->pass = 2;
    pipeline_walk_all(run);
    progress_clear(&run->progress);
    pipeline_pool_free(run->pool);
    run->pool = NULL;
}

/* the summary's clusters, rejected inputs and settings, once every input was counted */
static void
fill_summary(struct run *run)
{
    const struct kpt_opts *o = run->o;

    run->sum.clusters = clu_table_result(run->table, &run->sum.nclusters);
    if (run->nrej > 1)
        qsort(run->rej, run->nrej, sizeof(*run->rej), pipeline_cmp_rej);
    run->sum.rej = run->rej;
    run->sum.nrej = run->nrej;
    run->sum.algo = CLU_ALGO;
    run->sum.rules = clu_rules_digest(run->rules);
    run->sum.build_a = o->build_a;
    run->sum.build_b = o->build_b;
    run->sum.plot = o->plot;
    /* --frames 3 is the default: a state says 0 for both, so that merge sees one setting */
    run->sum.sig_frames = o->frames == CLU_DEFAULT_FRAMES ? 0 : o->frames;
    if (run->cmp)
        run->sum.rdiff = clu_compare_result(run->cmp, clu_rules_digest(run->rules_b));
    if (run->base.rules && strcmp(run->base.rules, run->sum.rules) && !o->quiet)
        diag_printf("--baseline: its rules (%s) differ from this run's (%s); keys may have moved",
                    run->base.rules, run->sum.rules);
    run->sum.sym = sym_ctx_stats(run->sym);
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
    diag_set_progress(&run.progress);
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
    run.sym = sym_ctx_new(&so, o->quiet ? NULL : diag_warn);
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
        if (!strcmp(o->paths[i], "-") && !run.stdin_read++ && pipeline_read_stdin(&run) < 0) {
            ret = KPT_EXIT_START;
            ok = 0;
            goto out;
        }
    if (run.nstdin && pipeline_check_outputs_extra(o, run.stdin_paths, run.nstdin) < 0) {
        ret = KPT_EXIT_USAGE;
        ok = 0;
        goto out;
    }
    run_passes(&run);
    fill_summary(&run);
    if (o->verbose)
        pipeline_verbose_counts(run.sum.sym);
    ret = pipeline_finish(&run, &ok);
    if (!o->quiet)
        diag_printf("%zu inputs: %zu ok, %zu partial, %zu rejected%s; %zu clusters", run.sum.files,
                    run.sum.ok, run.sum.partial, run.sum.rejected,
                    run.sum.skipped ? arena_printf(run.arena, ", %zu skipped (not kernel panics)",
                                                   run.sum.skipped)
                                    : "",
                    run.sum.nclusters);
out:
    if (pipeline_close_outputs(&run, ok) < 0)
        ret = KPT_EXIT_START;
    pipeline_pool_free(run.pool);
    diag_set_progress(NULL);
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
