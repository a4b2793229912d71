/*
 * pipeline_int.h - what the pipeline's files share: a run (pipeline.c), one report for
 * --trace and --explain (pipeline_one.c), a merge of states (pipeline_merge.c).
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
    struct arena *arena;
    struct sym_ctx *sym;
    struct clu_rules *rules;
    struct clu_rules *rules_b;  /* --compare-rules */
    struct clu_compare *cmp;
    struct clu_table *table;
    struct outfile out[OUT_N]; /* by enum out_kind */
    struct kpt_baseline base;
    struct hist_db *hist; /* --history */
    struct kpt_summary sum;
    struct kpt_rejected *rej;
    size_t nrej, rej_cap;
    int io_error;
    int lock, has_lock; /* the outputs' lock (outfile_lock), once pipeline_finish took it */
    struct progress progress;
    size_t seen; /* inputs met by the current pass */
};

/* everything after ingest for report r (in run->arena): signed, counted, its rows; KPT_E_IO
 * when an output failed */
int pipeline_report(struct run *run, struct kpt_report *r);
/* pipeline_archive.c: the archive at path, a row per member that is a report (or named
 * like one) and one for the archive itself; KPT_E_FORMAT, nothing done, when it is none.
 * pipeline_read_member(): one member named "archive!member" into r (--trace, --explain);
 * -1 when there is no such member */
int pipeline_archive(struct run *run, const char *path);
int pipeline_read_member(struct run *run, const char *path, struct kpt_report *r);
/* pipeline_is_archive(): 1 when path is an archive (not a lone compressed report) */
int pipeline_is_archive(struct run *run, const char *path);

/* a path or reason on stderr, control bytes escaped */
void pipeline_diag(const char *path, const char *why);
/* outputs that would destroy something (two naming one file, the history or a file beside
 * it, an input among o->paths or extra[0..nextra)): -1, said on stderr (exit 2) */
int pipeline_check_outputs(const struct kpt_opts *o, char *const *extra, size_t nextra);
/* the same for the inputs extra[0..nextra) alone (the paths read from standard input) */
int pipeline_check_outputs_extra(const struct kpt_opts *o, char *const *extra, size_t nextra);
/* ingest: one input into r (in run->arena); why: rejected before reading */
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
 * commit, which pipeline_finish() makes after the outputs are written */
int pipeline_hist_start(struct run *run, const char *kind);
int pipeline_hist_add(struct run *run, const struct kpt_report *r);
int pipeline_hist_annotate(struct run *run);
int pipeline_hist_commit(struct run *run);

#endif
