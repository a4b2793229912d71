/*
 * cli.h - the command line: options into a struct kpt_opts, frozen before the run.
 */
#ifndef KPT_CLI_H
#define KPT_CLI_H

#include <stddef.h>

#include "model/model.h"

enum kpt_exit {
    KPT_EXIT_OK = 0,       /* every input was read (ok or partial) */
    KPT_EXIT_REJECTED = 1, /* some inputs were rejected; they are listed in the outputs */
    KPT_EXIT_USAGE = 2,    /* bad command line */
    KPT_EXIT_START = 3,    /* the run cannot start or finish: an output cannot be written */
    KPT_EXIT_INTERNAL = 4, /* our bug */
};

struct kpt_opts {
    char **paths; /* borrowed from argv */
    size_t npaths;
    const char *output, *csv, *reports_csv, *json; /* NULL: not written (output: stdout) */
    int quiet, verbose;
    struct kpt_limits lim;
    /* symbolication (arrays owned, freed by cli_release(); strings borrowed from argv) */
    const char **kdks, **roots, **kexts;
    size_t nkdks, nroots, nkexts;
    const char *lldb, *cache, *lldb_log;
    const char *rules;         /* --rules DIR, or NULL for the built-in signature rules */
    const char *compare_rules; /* --compare-rules DIR: what these rules would change */
    /* triage */
    const char *baseline, *plot, *html, *build_a, *build_b;
    const char **builds; /* --build (owned array) */
    size_t nbuilds;
    size_t kdks_cap, roots_cap, kexts_cap, builds_cap; /* the owned arrays' capacities */
    int64_t since, until;
    int frames;          /* --frames N, 0: the rules' default 3 */
    const char *state;   /* --emit-state FILE */
    int merge;           /* 'kptrace-batch merge STATE...': paths are states */
    const char *history; /* --history FILE: record the run, and say what the history knows */
    /* 'kptrace-batch triage DB SIGNATURE_ID [...]': paths are DB and the id */
    int triage;
    const char *t_status, *t_bug, *t_note, *t_merge_into;
    int t_unmerge;
    /* 'kptrace-batch history DB [--runs N]': the trend table */
    int history_table;
    size_t history_runs;
    int has_since, has_until;
    int no_symbolicate, no_cache;
    unsigned jobs, lldb_timeout_ms;
    int trace;   /* --trace, or invoked as kptrace: print one report's backtrace */
    int explain; /* --explain: print how one report's signature came about */
};

/*
 * cli_parse() - fill o from argv. Returns 0 to run, 1 when --help or --version was
 * printed (exit 0), or KPT_E_PARSE after printing a usage error to stderr (exit 2).
 */
int cli_parse(int argc, char **argv, struct kpt_opts *o);
void cli_release(struct kpt_opts *o);

/* cli_near_command() - word, a first operand that names no file and is a word of letters
 * within two edits of a subcommand: that subcommand (a usage error); else NULL */
const char *cli_near_command(const char *word);

/* the newest panic report in dir (kptrace's default), or NULL; the caller frees */
char *cli_newest_report(const char *dir);

#endif
