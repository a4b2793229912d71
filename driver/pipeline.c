/*
 * pipeline.c - a run, and the pass driver: the context opened (symbolication, the rules),
 * the accumulator's outputs started, then each stage walked over every input
 * (pipeline_input.c): the plan, with symbolication on (every lookup of every report,
 * deduplicated, then lldb in parallel), and the count (every report signed, counted and its
 * rows written); then the summary.
 */
#include "driver/pipeline.h"
#include "driver/pipeline_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "cluster/clu.h"
#include "readers/rd.h"
#include "symbolicate/sym.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/err.h"

/* the signature rules of dir (NULL: built-in) with --frames; -1 (said on stderr, 'what'
 * naming the option) when they do not load */
static int
load_rules(const char *dir, const char *what, int frames, struct clu_rules **out)
{
    struct buf err = BUF_INIT;
    int ret = clu_rules_load(dir, out, &err);

    if (ret < 0) {
        diag_printf("%s: %s", what, err.data);
        buf_release(&err);
        return ret;
    }
    buf_release(&err);
    if (frames)
        clu_rules_set_frames(*out, frames);
    return 0;
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
    so->readers = &rd_cache_readers;
}

int
pipeline_ctx_open(struct run_ctx *cx, const struct kpt_opts *o, int rules, kpt_warn_fn *warn)
{
    struct sym_opts so;

    memset(cx, 0, sizeof(*cx));
    cx->o = o;
    sym_options(o, &so);
    cx->sym = sym_ctx_new(&so, warn);
    if (rules && (load_rules(o->rules, "rules", o->frames, &cx->rules) < 0 ||
                  (o->compare_rules &&
                   load_rules(o->compare_rules, "--compare-rules", o->frames, &cx->rules_b) < 0)))
        return KPT_E_FORMAT; /* said by load_rules() */
    return 0;
}

void
pipeline_ctx_close(struct run_ctx *cx)
{
    sym_ctx_free(cx->sym);
    clu_rules_free(cx->rules);
    clu_rules_free(cx->rules_b);
    memset(cx, 0, sizeof(*cx));
}

void
pipeline_verbose_counts(const struct kpt_symstats *st)
{
    diag_printf("symbols: %zu kernels and %zu kexts catalogued; %zu distinct lookups, "
                "%zu from the cache, %zu sent to lldb (%zu failed), %zu lldb processes started",
                st->kernels, st->kexts, st->lookups, st->cache_hits, st->lldb_lookups,
                st->lldb_failed, st->lldb_starts);
}

/* the plan's sink: the inputs it met, shown */
struct plan {
    struct progress *progress;
    size_t seen;
};

/* the plan's take(): the lookups r needs noted (a report left out: only its KDK read, its
 * row still says it) */
static int
plan_take(const struct pipeline_stage *st, struct arena *a, struct kpt_report *r,
          struct kpt_report *b, int is_signed)
{
    struct plan *plan = st->sink;

    (void)b;
    (void)is_signed;
    if (KPT_READ(r) && !r->excluded)
        sym_collect(st->cx->sym, a, r);
    else if (KPT_READ(r))
        sym_prepare(st->cx->sym, a, r);
    progress_tick(plan->progress, ++plan->seen);
    return 0;
}

/*
 * The stages. The plan (symbolication on): every input read (those whose bytes print no
 * frame name not even parsed when only names are to be learned: asked once, the catalogue
 * may grow as it reads KDKs) and its lookups noted, then sym_run() looks them all up: the
 * symbol-lookup plan, answered. The count: every input read, marked, signed - on the
 * workers when symbolication is off; with it on, on the consuming thread, whose histograms
 * take values in the order reports come - and taken by the accumulator.
 */
static void
run_stages(struct run_ctx *cx, struct run_acc *acc, const struct pipeline_inputs *in)
{
    struct plan seen = { &acc->progress, 0 };
    struct pipeline_stage plan = { cx, 0, 1, 0, plan_take, &seen, &acc->io_error };
    struct pipeline_stage count = { cx, 0, 1, 0, pipeline_count_take, acc, &acc->io_error };

    /* libxml2 sets itself up once, before threads parse property lists */
    xmlInitParser();
    if (sym_needs_pass(cx->sym)) {
        plan.names_only = !sym_needs_lookups(cx->sym);
        progress_start(&acc->progress, "reading", 0);
        pipeline_walk(in, &plan);
        progress_clear(&acc->progress);
        sym_run(cx->sym, cx->o->quiet ? NULL : diag_warn);
        /* the count knows how many inputs there are */
        progress_start(&acc->progress, "signing", seen.seen);
    } else {
        count.sign = 1;
        progress_start(&acc->progress, "reading", 0);
    }
    pipeline_walk(in, &count);
    progress_clear(&acc->progress);
}

/* the summary's clusters, rejected inputs and settings, once every input was counted */
static void
fill_summary(const struct run_ctx *cx, struct run_acc *acc)
{
    const struct kpt_opts *o = cx->o;
    struct kpt_summary *sum = &acc->sum;

    sum->clusters = clu_table_result(acc->table, &sum->nclusters);
    sum->algo = CLU_ALGO;
    sum->rules = clu_rules_digest(cx->rules);
    sum->build_a = o->build_a;
    sum->build_b = o->build_b;
    sum->plot = o->plot;
    /* --frames 3 is the default: a state says 0 for both, so that merge sees one setting */
    sum->sig_frames = o->frames == CLU_DEFAULT_FRAMES ? 0 : o->frames;
    if (acc->cmp)
        sum->rdiff = clu_compare_result(acc->cmp, clu_rules_digest(cx->rules_b));
    if (acc->base.rules && strcmp(acc->base.rules, sum->rules) && !o->quiet)
        diag_printf("--baseline: its rules (%s) differ from this run's (%s); keys may have moved",
                    acc->base.rules, sum->rules);
    sum->sym = sym_ctx_stats(cx->sym);
}

static void
say_counts(const struct kpt_summary *sum)
{
    struct buf skipped = BUF_INIT;

    if (sum->skipped)
        buf_addf(&skipped, ", %zu skipped (not kernel panics)", sum->skipped);
    diag_printf("%zu inputs: %zu ok, %zu partial, %zu rejected%s; %zu clusters", sum->files,
                sum->ok, sum->partial, sum->rejected, skipped.len ? skipped.data : "",
                sum->nclusters);
    buf_release(&skipped);
}

/* the run once its context and outputs are ready: the inputs listed, walked, summed up */
static int
run_inputs(struct run_ctx *cx, struct run_acc *acc, int *ok)
{
    const struct kpt_opts *o = cx->o;
    struct pipeline_inputs in;
    int ret;

    memset(&in, 0, sizeof(in));
    /* the path list (outputs open meanwhile, as temporary files), then the outputs against
     * the paths it names: still before any input is read */
    if (pipeline_inputs_read(o, &in) < 0) {
        ret = KPT_EXIT_START;
        *ok = 0;
    } else if (in.n && pipeline_check_outputs_extra(o, in.paths, in.n) < 0) {
        ret = KPT_EXIT_USAGE;
        *ok = 0;
    } else {
        run_stages(cx, acc, &in);
        fill_summary(cx, acc);
        if (o->verbose)
            pipeline_verbose_counts(acc->sum.sym);
        ret = pipeline_acc_finish(acc, ok);
        if (!o->quiet)
            say_counts(&acc->sum);
    }
    pipeline_inputs_release(&in);
    return ret;
}

int
pipeline_run(const struct kpt_opts *o)
{
    struct run_ctx cx;
    struct run_acc acc;
    int ret = KPT_EXIT_OK, ok = 1;

    memset(&cx, 0, sizeof(cx));
    memset(&acc, 0, sizeof(acc));
    acc.o = o;
    progress_init(&acc.progress, !o->quiet && isatty(2) ? stderr : NULL);
    diag_set_progress(&acc.progress);
    /* what the outputs would overwrite, before anything is read */
    if (pipeline_check_outputs(o, NULL, 0) < 0) {
        ret = KPT_EXIT_USAGE;
        ok = 0;
    } else if (pipeline_acc_start(&acc) < 0 ||
               pipeline_ctx_open(&cx, o, 1, o->quiet ? NULL : diag_warn) < 0) {
        ret = KPT_EXIT_START;
        ok = 0;
    } else {
        cx.out = acc.out; /* the walk passes over the outputs' temporary files */
        acc.table = clu_table_new(o->json != NULL || o->state != NULL);
        if (o->compare_rules)
            acc.cmp = clu_compare_new();
        ret = run_inputs(&cx, &acc, &ok);
    }
    if (pipeline_acc_close(&acc, ok) < 0)
        ret = KPT_EXIT_START;
    diag_set_progress(NULL);
    pipeline_ctx_close(&cx);
    return ret;
}
