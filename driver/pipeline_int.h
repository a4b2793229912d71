/*
 * pipeline_int.h - what the pipeline's files share: a run (pipeline.c), its inputs walked
 * and worked on by threads (pipeline_input.c, pipeline_pool.c), a report's way after ingest
 * (pipeline_report.c), one report for --trace and --explain (pipeline_one.c), a merge of
 * states (pipeline_merge.c). Files call down this list, never up (make check-cycles).
 *
 * Threads (-j): a worker reads and parses an input into its slot's arena and report, and in
 * pass 2 marks it left out and, when symbolication is off, symbolicates and signs it
 * (run->sign_in_workers). A worker only reads the run: o, out[] (the temporary outputs'
 * identities), sym and rules, which nobody writes while a pass is under way (sym_resolve()
 * counts under its own lock, and does so only with symbolication on, when it stays on the
 * consuming thread: its histograms take values in the order they come). Everything else -
 * the cluster table, the comparison, the summary and its counters, the rejected list, the
 * history, the outputs, the progress line, stderr, run->arena - belongs to the thread that
 * walks and consumes, which takes the reports in input order, so every output and message is
 * the same at any -j.
 */
#ifndef KPT_PIPELINE_INT_H
#define KPT_PIPELINE_INT_H

#include "driver/cli.h"
#include "cluster/clu.h"
#include "history/hist.h"
#include "symbolicate/sym.h"
#include "util/outfile.h"
#include "util/progress.h"

enum out_kind { OUT_MD, OUT_CSV, OUT_RCSV, OUT_JSON, OUT_PLOT, OUT_STATE, OUT_HTML, OUT_N };

struct run {
    const struct kpt_opts *o;
    int pass; /* 1: collect lookups; 2: the real pass */
    char **stdin_paths;
    const char **stdin_why; /* a line that is no path (a NUL in it): why; else NULL */
    size_t nstdin, capstdin;
    int stdin_read;
    struct arena *arena; /* the consuming thread's: the report it is consuming */
    struct sym_ctx *sym;
    struct clu_rules *rules;
    struct clu_rules *rules_b; /* --compare-rules */
    struct clu_compare *cmp;
    struct clu_table *table;
    struct clu_table *unjoined; /* the table before clu_join_cut(), for the state, or NULL */
    struct clu_joined *joins;   /* what clu_join_cut() joined (ids of unjoined), njoins of them */
    size_t njoins;
    struct outfile out[OUT_N]; /* by enum out_kind */
    struct kpt_baseline base;
    struct hist_db *hist; /* --history */
    struct kpt_summary sum;
    struct kpt_rejected *rej;
    size_t nrej, rej_cap;
    int io_error;       /* an output, or the history, failed (said already): the walk stops */
    int hist_error;     /* ... and it was the history */
    int lock, has_lock; /* the outputs' lock (outfile_lock), once pipeline_finish took it */
    struct progress progress;
    size_t seen;                /* inputs met by the current pass */
    struct pipeline_pool *pool; /* the workers (pipeline_pool.c) */
    int sign_in_workers;        /* pass 2's symbolication and signing on the workers */
    int names_only;             /* pass 1 learns names only (!sym_needs_lookups()) */
};

/* pipeline_pool.c: a pass's inputs, each a job worked on by a thread (work()) and then
 * consumed by the submitting thread (consume()) in the order submitted; at most 4 x jobs
 * jobs in memory. One job: no thread, each input worked on and consumed as submitted. */
enum pipeline_job_kind { JOB_REPORT, JOB_SKIP, JOB_ARCHIVE };
struct pipeline_job {
    char *path, *why; /* copies: the input, and why it cannot be read (or NULL) */
    int pass;
    enum pipeline_job_kind kind;
    int is_signed;          /* symbolicated and signed by the worker */
    struct arena *arena;    /* the job's: r and b live in it */
    struct kpt_report r, b; /* the report; b: signed by --compare-rules */
    size_t seq;             /* its place in the pass: the oldest one never waits */
    size_t reserved;        /* bytes of the pool's memory budget it holds */
    int on_consumer;        /* worked on by the walking thread (which never waits) */
};
typedef void pipeline_work_fn(void *ctx, struct pipeline_job *j);
typedef int pipeline_consume_fn(void *ctx, struct pipeline_job *j);
/* pipeline_jobs() - -j: asked, or the number of CPUs */
unsigned pipeline_jobs(unsigned asked);
/* pipeline_pool_new() - work(ctx, job) on jobs - 1 threads and on the submitting thread
 * while it waits (1: no thread), with 'budget' bytes in flight; never fails */
struct pipeline_pool *pipeline_pool_new(unsigned jobs, size_t budget, pipeline_work_fn *work,
                                        pipeline_consume_fn *consume, void *ctx);
/*
 * The memory budget: bytes the jobs between work() and their consumption may hold at once,
 * whatever -j. pipeline_pool_reserve() - from work(), before job j reads or decompresses:
 * 'bytes' more, waiting while they do not fit, unless j is the oldest job not consumed or
 * the walking thread's (so an input larger than the budget is read alone, as at -j1, and
 * is turned away for memory only when it cannot fit alone). pipeline_pool_settle() - j holds
 * 'bytes' now (what its arena keeps once its buffers are freed). Released when j is consumed.
 */
void pipeline_pool_reserve(struct pipeline_pool *p, struct pipeline_job *j, size_t bytes);
void pipeline_pool_settle(struct pipeline_pool *p, struct pipeline_job *j, size_t bytes);
/* pipeline_pool_submit() - a job for path (why: copied); may first consume the oldest job.
 * Returns what consume() returned when non-zero: then every later job is only released */
int pipeline_pool_submit(struct pipeline_pool *p, const char *path, const char *why, int pass);
/* pipeline_pool_drain() - every job submitted, consumed in order (the first non-zero
 * consume() result returned); the pool is ready for another pass */
int pipeline_pool_drain(struct pipeline_pool *p);
void pipeline_pool_free(struct pipeline_pool *p); /* NULL is a no-op; jobs left are dropped */

/* pipeline_input.c: one pass over every input (the paths, and those read from standard
 * input for '-'), through the pool; the path list of '-' (-1, said on stderr, when it
 * cannot be read); the workers and what they do */
void pipeline_walk_all(struct run *run);
int pipeline_read_stdin(struct run *run);
void pipeline_start_workers(struct run *run);

/* pipeline_report.c: pass 2's pure part, safe on a worker: left out by --since, --until,
 * --build (r->excluded); then symbolicated and signed (b: by --compare-rules) */
void pipeline_mark(const struct kpt_opts *o, struct kpt_report *r);
void pipeline_sign(const struct run *run, struct arena *a, struct kpt_report *r,
                   struct kpt_report *b);
/* the consuming thread's part, in input order (r in run->arena): pass 1, its lookups
 * noted; pass 2, signed unless is_signed, counted, its rows written (KPT_E_IO when an output
 * failed) */
int pipeline_consume(struct run *run, struct kpt_report *r, struct kpt_report *b, int is_signed);

/* everything after ingest for report r (in run->arena), on the consuming thread: marked,
 * signed, counted, its rows; KPT_E_IO when an output failed */
int pipeline_report(struct run *run, struct kpt_report *r);
/* pipeline_archive.c: the archive at path, a row per member that is a report (or named
 * like one) and one for the archive itself; KPT_E_FORMAT, nothing done, when it is none.
 * pipeline_read_member(): one member named "archive!member" into r (--trace, --explain);
 * -1 when there is no such member */
int pipeline_archive(struct run *run, const char *path);
int pipeline_read_member(struct run *run, const char *path, struct kpt_report *r);
/* pipeline_is_archive(): 1 when path is an archive (or, with streams, a lone compressed
 * report too); safe on a worker */
int pipeline_is_archive(const struct run *run, const char *path, int streams);
/* pipeline_is_archive_mem(): the same (streams too) for the file's bytes, data[0..len) */
int pipeline_is_archive_mem(const struct run *run, const void *data, size_t len, const char *path);

/* outputs that would destroy something (two naming one file, the history or a file beside
 * it, an input among o->paths or extra[0..nextra)): -1, said on stderr (exit 2) */
int pipeline_check_outputs(const struct kpt_opts *o, char *const *extra, size_t nextra);
/* the same for the inputs extra[0..nextra) alone (the paths read from standard input) */
int pipeline_check_outputs_extra(const struct kpt_opts *o, char *const *extra, size_t nextra);
/* ingest: one input into r (in run->arena); why: rejected before reading (--trace) */
void pipeline_read_report(struct run *run, const char *path, const char *why, struct kpt_report *r);
/* the signature rules of dir (NULL: built-in) with --frames; -1 (said on stderr, 'what'
 * naming the option) when they do not load */
int pipeline_load_rules(const char *dir, const char *what, int frames, struct clu_rules **out);
void pipeline_sym_options(const struct kpt_opts *o, struct sym_opts *so);
void pipeline_verbose_counts(const struct kpt_symstats *st);
int pipeline_cmp_rej(const void *x, const void *y);
/* --baseline, then every output opened and its header written; -1 when the run cannot start */
int pipeline_start_outputs(const struct kpt_opts *o, struct run *run);
/* the summary outputs, and the exit code they leave (*ok 0: discard the outputs) */
int pipeline_finish(struct run *run, int *ok);
int pipeline_close_outputs(struct run *run, int ok);
void pipeline_run_release(struct run *run);

/* --history (pipeline_hist.c): open the file and begin a run of 'kind' ("run", "merge"), -1
 * when it cannot (said on stderr); a signed report of the run; once the clusters are known,
 * triage's merges applied and what the history says of them (-1: said on stderr); the
 * run's rows written, which pipeline_finish() makes once the outputs are written, before
 * they are renamed; the commit, after the renames */
int pipeline_hist_start(struct run *run, const char *kind);
int pipeline_hist_add(struct run *run, const struct kpt_report *r);
int pipeline_hist_annotate(struct run *run);
int pipeline_hist_write(struct run *run);
int pipeline_hist_commit(struct run *run);

#endif
