/*
 * pipeline_int.h - what the pipeline's files share. One input's way, from disk to a
 * Markdown line:
 *
 *   pipeline.c        the pass driver: the context opened, then each stage walked over the
 *                     inputs: the plan (symbolication on: every lookup, then lldb) and the
 *                     count
 *   pipeline_input.c  the walk: each input a job of the pool (pipeline_pool.c); a worker
 *                     reads its bytes once and, unless they are an archive, read_one()s them;
 *                     the consuming thread hands each job to the stage's take() in input order
 *   pipeline_archive.c  an archive's members, from the bytes the worker read: each read_one()
 *                     and taken, then the archive's own row
 *   pipeline_read.c   read_one(): bytes -> a parsed report in the caller's arena, marked and
 *                     signed as the stage says (the pure part: safe on a worker)
 *   pipeline_acc.c    the accumulator (the consuming thread's): the count's take(), the
 *                     table, the summary, the rejected list, the history, the outputs
 *
 * --trace and --explain (pipeline_one.c) read their one input through read_one() too, and
 * merge (pipeline_merge.c) writes its rows and history through the accumulator's consumed
 * point. Files call down this list, never up (make check-cycles).
 *
 * Threads (-j): a worker reads only the stage and its const context (struct run_ctx), which
 * nobody writes while a walk is under way, and writes only its job (its arena, its report).
 * sym_resolve() counts under its own lock, and signing runs on a worker only with
 * symbolication off: with it on, its histograms take values in the order reports come, so
 * it stays on the consuming thread. Everything else - the accumulator, the progress line,
 * stderr - belongs to the thread that walks and consumes, which takes the reports in input
 * order, so every output and message is the same at any -j.
 */
#ifndef KPT_PIPELINE_INT_H
#define KPT_PIPELINE_INT_H

#include "driver/cli.h"
#include "cluster/clu.h"
#include "history/hist.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"
#include "util/outfile.h"
#include "util/progress.h"

enum out_kind { OUT_MD, OUT_CSV, OUT_RCSV, OUT_JSON, OUT_PLOT, OUT_STATE, OUT_HTML, OUT_N };

/* the const context: what a walk's workers read, and nobody writes while a walk is under
 * way (but sym: its lookups noted by the plan's take() and counted by sym_resolve(), on the
 * consuming thread while no worker signs, or under its own lock) */
struct run_ctx {
    const struct kpt_opts *o;
    struct sym_ctx *sym;
    struct clu_rules *rules;
    struct clu_rules *rules_b; /* --compare-rules, or NULL */
    const struct outfile *out; /* [OUT_N]: the temporary outputs a walk passes over, or NULL */
};

/* the consuming thread's: what the reports add up to (pipeline_acc.c) */
struct run_acc {
    const struct kpt_opts *o;
    struct clu_table *table;
    struct clu_table *unjoined; /* the table before clu_join_cut(), for the state, or NULL */
    struct clu_joined *joins;   /* what clu_join_cut() joined (ids of unjoined), njoins of them */
    size_t njoins;
    struct clu_compare *cmp;   /* --compare-rules */
    struct outfile out[OUT_N]; /* by enum out_kind */
    struct kpt_baseline base;
    struct hist_db *hist; /* --history */
    struct kpt_summary sum;
    struct kpt_rejected *rej;
    size_t nrej, rej_cap;
    int io_error;       /* an output, or the history, failed (said already): the walk stops */
    int hist_error;     /* ... and it was the history */
    int lock, has_lock; /* the outputs' lock (outfile_lock), once pipeline_acc_finish took it */
    struct progress progress;
};

/*
 * A stage: what a walk does with each input. read_one() parses it (names_only: bytes that
 * print no frame name are left unparsed, r empty); marks it left out by --since, --until,
 * --build (mark); symbolicates and signs it (sign: with symbolication off, on a worker).
 * take() then gets it on the consuming thread, in input order, with the arena it lives in
 * and whether it was signed; non-zero (KPT_E_IO) stops the walk. The walk stops too once
 * *halt is set.
 */
struct pipeline_stage;
typedef int pipeline_take_fn(const struct pipeline_stage *st, struct arena *a, struct kpt_report *r,
                             struct kpt_report *b, int is_signed);
struct pipeline_stage {
    const struct run_ctx *cx;
    int names_only, mark, sign;
    pipeline_take_fn *take;
    void *sink;      /* take()'s: the plan's counter, the accumulator */
    const int *halt; /* or NULL */
};

/* one input: a file's bytes, or an archive member's (m) */
struct pipeline_input {
    const char *path;
    const void *data; /* borrowed; NULL when why says why it was not read */
    size_t len;
    const char *why;
    const struct ing_member *m; /* a member (its name, its link), or NULL: a file */
};
#define READ_OTHER ING_OTHER /* a member that is no report: counted, not a row */
#define READ_EMPTY 2         /* names_only, and nothing to learn: r left empty */
/* read_one() (pipeline_read.c) - in into r, in arena a (which the caller clears), as stage
 * st says (b: signed by --compare-rules); 0, READ_OTHER (r neither marked nor signed) or
 * READ_EMPTY; *is_signed set. read_one_finish(): its marking and signing, for a member that
 * is no report but was asked for by name */
int read_one(const struct pipeline_stage *st, struct arena *a, const struct pipeline_input *in,
             struct kpt_report *r, struct kpt_report *b, int *is_signed);
void read_one_finish(const struct pipeline_stage *st, struct arena *a, struct kpt_report *r,
                     struct kpt_report *b, int *is_signed);
/* r symbolicated and signed (b: by --compare-rules), in arena a */
void pipeline_sign(const struct run_ctx *cx, struct arena *a, struct kpt_report *r,
                   struct kpt_report *b);

/* pipeline_pool.c: a walk's inputs, each a job worked on by a thread (work()) and then
 * consumed by the submitting thread (consume()) in the order submitted; at most 4 x jobs
 * jobs in memory. One job: no thread, each input worked on and consumed as submitted. */
enum pipeline_job_kind { JOB_REPORT, JOB_SKIP, JOB_ARCHIVE, JOB_MEMBER };
struct pipeline_job {
    char *path, *why; /* copies: the input, and why it cannot be read (or NULL) */
    enum pipeline_job_kind kind;
    int is_signed;          /* symbolicated and signed by the worker */
    struct arena *arena;    /* the job's: r and b live in it */
    struct kpt_report r, b; /* the report; b: signed by --compare-rules */
    void *data;             /* JOB_ARCHIVE: the bytes the worker read (malloc'd), or NULL */
    size_t len;
    size_t seq;      /* its place in the walk: the oldest one never waits */
    size_t reserved; /* bytes of the pool's memory budget it holds */
    int on_consumer; /* worked on by the walking thread (which never waits) */
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
 * 'bytes' now (what its arena and data keep once its buffers are freed). Released when j is
 * consumed (its data freed).
 */
void pipeline_pool_reserve(struct pipeline_pool *p, struct pipeline_job *j, size_t bytes);
void pipeline_pool_settle(struct pipeline_pool *p, struct pipeline_job *j, size_t bytes);
/* pipeline_pool_submit() - a job for path (why: copied); may first consume the oldest job.
 * Returns what consume() returned when non-zero: then every later job is only released */
int pipeline_pool_submit(struct pipeline_pool *p, const char *path, const char *why);
/* pipeline_pool_drain() - every job submitted, consumed in order (the first non-zero
 * consume() result returned); the pool is ready for another walk */
int pipeline_pool_drain(struct pipeline_pool *p);
void pipeline_pool_free(struct pipeline_pool *p); /* NULL is a no-op; jobs left are dropped */

/* pipeline_input.c: the paths '-' reads from standard input (-1, said on stderr, when the
 * list cannot be read); pipeline_walk(): every input given, once, through stage st, on
 * -j workers (started and stopped by the walk); pipeline_read_path(): one input into r, in
 * arena a, for --trace and --explain (an archive refused: its members are named
 * ARCHIVE!MEMBER) */
struct pipeline_inputs {
    char **paths;     /* read from standard input */
    const char **why; /* a line that is no path (a NUL in it): why; else NULL */
    size_t n, cap;
};
int pipeline_inputs_read(const struct kpt_opts *o, struct pipeline_inputs *in);
void pipeline_inputs_release(struct pipeline_inputs *in);
void pipeline_walk(const struct pipeline_inputs *in, const struct pipeline_stage *st);
void pipeline_read_path(const struct pipeline_stage *st, struct arena *a, const char *path,
                        struct kpt_report *r);

/* pipeline_archive.c: the archive in data[0..len) (NULL: read from path) through st, a
 * row per member that is a report (or named like one) and one for the archive itself, in
 * arena a; KPT_E_FORMAT, nothing done, when it is none. pipeline_read_member(): one member
 * named "archive!member" into r (--trace, --explain, a member path given), -1 when there
 * is no such member */
int pipeline_archive(const struct pipeline_stage *st, struct arena *a, const char *path,
                     const void *data, size_t len);
int pipeline_read_member(const struct pipeline_stage *st, struct arena *a, const char *path,
                         struct kpt_report *r, struct kpt_report *b, int *is_signed);

/* pipeline_acc.c: the accumulator. pipeline_acc_start(): --baseline, then every output
 * opened and its header written, the history begun (-1 when the run cannot start);
 * pipeline_count_take(): the count's take() (its sink: the accumulator);
 * pipeline_consumed(): the consumed point of one report, a run's or a merge's: the
 * history's row of r (in a; NULL: none), then its rows (crow: reports CSV, jrow: JSON)
 * in the outputs, KPT_E_IO when one failed; pipeline_acc_finish(): the summary outputs
 * written and committed, and the exit code they leave (*ok 0: discard the outputs);
 * pipeline_acc_close(): the outputs closed (renamed into place when ok, else removed) and
 * everything released, -1 when an output could not be put in place */
int pipeline_acc_start(struct run_acc *acc);
int pipeline_count_take(const struct pipeline_stage *st, struct arena *a, struct kpt_report *r,
                        struct kpt_report *b, int is_signed);
int pipeline_consumed(struct run_acc *acc, struct arena *a, const struct kpt_report *r,
                      const char *path, const struct buf *crow, const char *jrow, int first);
int pipeline_acc_finish(struct run_acc *acc, int *ok);
int pipeline_acc_close(struct run_acc *acc, int ok);

/* outputs that would destroy something (two naming one file, the history or a file beside
 * it, an input among o->paths or extra[0..nextra)): -1, said on stderr (exit 2) */
int pipeline_check_outputs(const struct kpt_opts *o, char *const *extra, size_t nextra);
/* the same for the inputs extra[0..nextra) alone (the paths read from standard input) */
int pipeline_check_outputs_extra(const struct kpt_opts *o, char *const *extra, size_t nextra);

/* pipeline.c: the context of a run, --trace and --explain: symbolication, the rules
 * (rules_b too with --compare-rules), its options; -1 (said on stderr) when the rules do
 * not load. The symbolication counts, with -v. */
int pipeline_ctx_open(struct run_ctx *cx, const struct kpt_opts *o, int rules, kpt_warn_fn *warn);
void pipeline_ctx_close(struct run_ctx *cx);
void pipeline_verbose_counts(const struct kpt_symstats *st);

/* --history (pipeline_hist.c): open the file and begin a run of 'kind' ("run", "merge"), -1
 * when it cannot (said on stderr); a signed report of the run (a: its arena); once the
 * clusters are known, triage's merges applied and what the history says of them (-1: said
 * on stderr); the run's rows written, which pipeline_acc_finish() makes once the outputs are
 * written, before they are renamed; the commit, after the renames */
int pipeline_hist_start(struct run_acc *acc, const char *kind);
int pipeline_hist_add(struct run_acc *acc, struct arena *a, const struct kpt_report *r);
int pipeline_hist_annotate(struct run_acc *acc);
int pipeline_hist_write(struct run_acc *acc);
int pipeline_hist_commit(struct run_acc *acc);

#endif
