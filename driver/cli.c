/*
 * cli.c - getopt_long and the usage text; nothing else parses argv.
 */
#include "driver/cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include "report/rep.h"
#include "util/cursor.h"
#include "util/buf.h"
#include "util/civil.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char usage_text[] =
    "usage: kptrace-batch [options] PATH...\n"
    "       kptrace-batch merge [output options] [--history DB] STATE...\n"
    "       kptrace-batch triage DB SIGNATURE_ID [--status open|fixed|ignored] [--bug URL]\n"
    "                            [--note TEXT] [--merge-into SIGNATURE_ID | --unmerge]\n"
    "       kptrace-batch history DB [--runs N]\n"
    "\n"
    "Reads macOS kernel panic reports (legacy Intel .panic, JSON-wrapped .panic, .ips\n"
    "bug_type 210, Apple silicon panic text, XML property lists; gzip transparently) and\n"
    "writes a triage summary of the distinct crashes among them.\n"
    "\n"
    "  PATH                     a report file or a directory (searched recursively);\n"
    "                           '-' reads one path per line from standard input\n"
    "  -o, --output FILE        Markdown summary (default: standard output)\n"
    "      --csv FILE           one row per cluster\n"
    "      --reports-csv FILE   one row per input file: ";

/* after the reports CSV's columns (report/ names them) */
static const char usage_text1b[] =
    "\n"
    "      --json FILE          everything above, machine-readable\n"
    "      --emit-state FILE    this run as a mergeable state: 'kptrace-batch merge' of the\n"
    "                           states of shards writes what one run over them all would\n"
    "  -q, --quiet              no progress and no per-file diagnostics; progress goes to\n"
    "                           stderr only when it is a terminal\n"
    "  -v, --verbose            lookup and lldb counts on stderr\n"
    "\n"
    "triage:\n"
    "      --baseline FILE      a previous run's --csv: mark clusters NEW or with their\n"
    "                           count change, and list those GONE\n"
    "      --since DATE         only reports from DATE on (YYYY-MM-DD[THH:MM[:SS]], UTC)\n"
    "      --until DATE         only reports before DATE\n"
    "      --build BUILD        only reports of this OS build (repeatable)\n"
    "      --compare-builds A B which signatures appear only in build B (and only in A)\n"
    "      --plot FILE.svg      a bar chart of the top clusters, linked from the summary\n"
    "      --html FILE          the summary as one self-contained page (sortable, filterable)\n"
    "      --history DB         record the run in a history: a SQLite file (created when\n"
    "                           missing) or a PostgreSQL database (postgresql://...): each\n"
    "                           report is counted once across runs and copies; clusters get\n"
    "                           new and total counts, first seen, a trend, NEW or REGRESSED,\n"
    "                           and their triage (see 'triage' and 'history')\n"
    "      --frames N           significant frames in a signature (default 3; classes with\n"
    "                           their own N in classes.tsv keep it)\n"
    "      --rules DIR          signature rules (classes.tsv, plumbing-*.txt, ...) instead of\n"
    "                           the built-in xnusig-1 set; a bad pattern stops the run\n"
    "      --compare-rules DIR  sign every report with DIR's rules too: the summary ends with\n"
    "                           the clusters they would merge, split or rename\n";

static const char usage_text2[] =
    "\n"
    "symbolication (lldb with Kernel Debug Kits):\n"
    "  -k, --kdk DIR            a KDK to use (repeatable); reports are matched to it by\n"
    "                           kernel UUID, then by build\n"
    "      --kdk-root DIR       a folder of KDK_*.kdk (repeatable; default\n"
    "                           /Library/Developer/KDKs)\n"
    "      --kext PATH          a .kext bundle, or a folder searched for them, for\n"
    "                           third-party kexts (repeatable); used only on a UUID match\n"
    "      --lldb PATH          the lldb to run (default: lldb, then lldb-19 ... lldb-14)\n"
    "      --no-symbolicate     leave frames as MODULE+0xOFFSET\n"
    "  -j, --jobs N             workers that parse and sign, and lldb workers (default:\n"
    "                           the number of CPUs); the outputs are the same at any N\n"
    "      --cache DIR          persistent symbol cache (default:\n"
    "                           $XDG_CACHE_HOME/kptrace-batch)\n"
    "      --no-cache           no persistent cache\n"
    "      --trace [REPORT]     kptrace's job: print one report's symbolicated backtrace and\n"
    "                           nothing else (no REPORT: the newest in\n"
    "                           /Library/Logs/DiagnosticReports)\n"
    "      --explain REPORT...  how each report's signature came about: the class and its\n"
    "                           row, each frame with the rule that kept or skipped it, keys\n"
    "      --lldb-timeout MS    per-chunk lldb timeout (default 30000; startup 10x)\n"
    "      --lldb-log FILE      log every command sent to lldb (for tests and audits)\n"
    "  -h, --help               this text\n"
    "  -V, --version            the version\n"
    "\n"
    "limits (per input; hitting one is reported for that file):\n"
    "      --max-file-bytes N   largest input after decompression (default 67108864)\n"
    "      --max-line-bytes N   longest line of text (default 1048576)\n"
    "      --max-frames N       backtrace frames kept per report (default 4096)\n"
    "      --max-archive-bytes N  bytes decompressed from one archive in all (default\n"
    "                           4294967296); --max-file-bytes bounds each member\n"
    "      --max-members N      members read from one archive (default 100000)\n"
    "\n"
    "archives (zip, tar, cpio, 7z; gzip, bzip2, xz, zstd, lz4; nested 3 deep) are read\n"
    "member by member: a member's row is ARCHIVE!MEMBER (accepted by --explain, --trace).\n"
    "\n"
    "status of an input: ok (a panic report with a backtrace), partial (a panic report\n"
    "without a backtrace, or visibly damaged: what was read is kept), rejected (not a\n"
    "panic report, unreadable or unparseable; the error column says why), skipped\n"
    "(another kind of report: crash, spin, hang, an .ips of another bug_type, .DS_Store,\n"
    "an archive's own row; listed, not a failure, never in the history).\n"
    "\n"
    "exit: 0 every input was read   1 some inputs were rejected (listed in the outputs)\n"
    "      2 usage error   3 cannot start or finish: an output cannot be written\n"
    "      4 internal error\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* a usage error on stderr (through util/diag.h, like every message), and where help is;
 * KPT_E_PARSE (argv does not follow the synopsis) */
static int
usage_error(const char *fmt, ...)
{
    struct buf m = BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    (void)buf_vaddf(&m, fmt, ap);
    va_end(ap);
    diag_printf("%s", m.data);
    diag_printf("%s", "try 'kptrace-batch --help' for more information");
    buf_release(&m);
    return KPT_E_PARSE;
}

static int
parse_size(const char *s, size_t min, size_t *out)
{
    uint64_t v;

    if (!s || cur_field_num(s, 10, &v, SIZE_MAX / 2) < 0 || v < min)
        return KPT_E_PARSE;
    *out = (size_t)v;
    return 0;
}

enum {
    OPT_CSV = 256,
    OPT_REPORTS_CSV,
    OPT_JSON,
    OPT_MAX_FILE,
    OPT_MAX_LINE,
    OPT_MAX_FRAMES,
    OPT_KDK_ROOT,
    OPT_KEXT,
    OPT_LLDB,
    OPT_NO_SYM,
    OPT_CACHE,
    OPT_NO_CACHE,
    OPT_TRACE,
    OPT_LLDB_TIMEOUT,
    OPT_LLDB_LOG,
    OPT_RULES,
    OPT_EXPLAIN,
    OPT_BASELINE,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_BUILD,
    OPT_COMPARE,
    OPT_PLOT,
    OPT_FRAMES,
    OPT_STATE,
    OPT_COMPARE_RULES,
    OPT_HTML,
    OPT_HISTORY,
    OPT_STATUS,
    OPT_BUG,
    OPT_NOTE,
    OPT_MERGE_INTO,
    OPT_UNMERGE,
    OPT_RUNS,
    OPT_MAX_ARCHIVE,
    OPT_MAX_MEMBERS
};

/* push() - append s to the vector (*v, *n) of capacity *cap (VEC_GROW: geometric) */
static void
push(const char ***v, size_t *n, size_t *cap, const char *s)
{
    VEC_GROW(*v, st_add(*n, 1), *cap);
    (*v)[(*n)++] = s;
}

void
cli_release(struct kpt_opts *o)
{
    free(o->kdks);
    free(o->roots);
    free(o->kexts);
    free(o->builds);
    o->kdks = o->roots = o->kexts = o->builds = NULL;
    o->nkdks = o->nroots = o->nkexts = o->nbuilds = 0;
    o->kdks_cap = o->roots_cap = o->kexts_cap = o->builds_cap = 0;
}

char *
cli_newest_report(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *best = NULL;
    time_t best_t = 0;

    if (!d)
        return NULL;
    while ((e = readdir(d))) {
        struct stat st;
        char *p;
        size_t n = strlen(e->d_name);

        if (!((n > 6 && !strcmp(e->d_name + n - 6, ".panic")) ||
              (n > 4 && !strcmp(e->d_name + n - 4, ".ips") &&
               (!strncmp(e->d_name, "Kernel", 6) || !strncmp(e->d_name, "panic", 5)))))
            continue;
        p = xmalloc(strlen(dir) + n + 2);
        memcpy(p, dir, strlen(dir));
        p[strlen(dir)] = '/';
        memcpy(p + strlen(dir) + 1, e->d_name, n + 1);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && (!best || st.st_mtime > best_t)) {
            free(best);
            best = p;
            best_t = st.st_mtime;
        } else {
            free(p);
        }
    }
    closedir(d);
    return best;
}

/* kptrace's own flags: -report PATH, -kdk DIR, -kext PATH (repeatable), -lldb PATH */
static int
parse_kptrace(int argc, char **argv, struct kpt_opts *o)
{
    int i;

    o->trace = 1;
    o->quiet = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "-h") || !strcmp(a, "-help") || !strcmp(a, "--help")) {
            fputs("usage: kptrace [-report PATH] [-kdk DIR] [-kext PATH]... [-lldb PATH]\n"
                  "Prints the symbolicated backtrace of one panic report (default: the newest\n"
                  "in /Library/Logs/DiagnosticReports).\n",
                  stdout);
            return 1;
        }
        if (!v ||
            (strcmp(a, "-report") && strcmp(a, "-kdk") && strcmp(a, "-kext") && strcmp(a, "-lldb")))
            return usage_error("kptrace: unknown or incomplete flag '%s'", a);
        if (!strcmp(a, "-report")) {
            o->paths = argv + i + 1; /* the one path, borrowed from argv like every other */
            o->npaths = 1;
        } else if (!strcmp(a, "-kdk")) {
            push(&o->kdks, &o->nkdks, &o->kdks_cap, v);
        } else if (!strcmp(a, "-kext")) {
            push(&o->kexts, &o->nkexts, &o->kexts_cap, v);
        } else {
            o->lldb = v;
        }
        i++;
    }
    return 0;
}

static const struct option longopts[] = {
    { "baseline", required_argument, NULL, OPT_BASELINE },
    { "build", required_argument, NULL, OPT_BUILD },
    { "cache", required_argument, NULL, OPT_CACHE },
    { "compare-builds", required_argument, NULL, OPT_COMPARE },
    { "csv", required_argument, NULL, OPT_CSV },
    { "emit-state", required_argument, NULL, OPT_STATE },
    { "explain", no_argument, NULL, OPT_EXPLAIN },
    { "frames", required_argument, NULL, OPT_FRAMES },
    { "help", no_argument, NULL, 'h' },
    { "history", required_argument, NULL, OPT_HISTORY },
    { "status", required_argument, NULL, OPT_STATUS },
    { "bug", required_argument, NULL, OPT_BUG },
    { "note", required_argument, NULL, OPT_NOTE },
    { "merge-into", required_argument, NULL, OPT_MERGE_INTO },
    { "unmerge", no_argument, NULL, OPT_UNMERGE },
    { "runs", required_argument, NULL, OPT_RUNS },
    { "jobs", required_argument, NULL, 'j' },
    { "json", required_argument, NULL, OPT_JSON },
    { "kdk", required_argument, NULL, 'k' },
    { "kdk-root", required_argument, NULL, OPT_KDK_ROOT },
    { "kext", required_argument, NULL, OPT_KEXT },
    { "lldb", required_argument, NULL, OPT_LLDB },
    { "lldb-log", required_argument, NULL, OPT_LLDB_LOG },
    { "lldb-timeout", required_argument, NULL, OPT_LLDB_TIMEOUT },
    { "max-file-bytes", required_argument, NULL, OPT_MAX_FILE },
    { "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
    { "max-archive-bytes", required_argument, NULL, OPT_MAX_ARCHIVE },
    { "max-members", required_argument, NULL, OPT_MAX_MEMBERS },
    { "max-line-bytes", required_argument, NULL, OPT_MAX_LINE },
    { "no-cache", no_argument, NULL, OPT_NO_CACHE },
    { "no-symbolicate", no_argument, NULL, OPT_NO_SYM },
    { "output", required_argument, NULL, 'o' },
    { "plot", required_argument, NULL, OPT_PLOT },
    { "html", required_argument, NULL, OPT_HTML },
    { "quiet", no_argument, NULL, 'q' },
    { "reports-csv", required_argument, NULL, OPT_REPORTS_CSV },
    { "rules", required_argument, NULL, OPT_RULES },
    { "compare-rules", required_argument, NULL, OPT_COMPARE_RULES },
    { "since", required_argument, NULL, OPT_SINCE },
    { "trace", no_argument, NULL, OPT_TRACE },
    { "until", required_argument, NULL, OPT_UNTIL },
    { "verbose", no_argument, NULL, 'v' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

/* the options that only store their value (a string borrowed from argv) */
static const struct {
    int c;
    size_t off; /* of a const char * in struct kpt_opts */
} str_opts[] = {
    { 'o', offsetof(struct kpt_opts, output) },
    { OPT_LLDB, offsetof(struct kpt_opts, lldb) },
    { OPT_LLDB_LOG, offsetof(struct kpt_opts, lldb_log) },
    { OPT_RULES, offsetof(struct kpt_opts, rules) },
    { OPT_COMPARE_RULES, offsetof(struct kpt_opts, compare_rules) },
    { OPT_CACHE, offsetof(struct kpt_opts, cache) },
    { OPT_BASELINE, offsetof(struct kpt_opts, baseline) },
    { OPT_PLOT, offsetof(struct kpt_opts, plot) },
    { OPT_HTML, offsetof(struct kpt_opts, html) },
    { OPT_STATE, offsetof(struct kpt_opts, state) },
    { OPT_HISTORY, offsetof(struct kpt_opts, history) },
    { OPT_BUG, offsetof(struct kpt_opts, t_bug) },
    { OPT_NOTE, offsetof(struct kpt_opts, t_note) },
    { OPT_MERGE_INTO, offsetof(struct kpt_opts, t_merge_into) },
    { OPT_CSV, offsetof(struct kpt_opts, csv) },
    { OPT_REPORTS_CSV, offsetof(struct kpt_opts, reports_csv) },
    { OPT_JSON, offsetof(struct kpt_opts, json) },
};

/* the options that only set a flag */
static const struct {
    int c;
    size_t off; /* of an int in struct kpt_opts */
} flag_opts[] = {
    { 'q', offsetof(struct kpt_opts, quiet) },
    { 'v', offsetof(struct kpt_opts, verbose) },
    { OPT_NO_SYM, offsetof(struct kpt_opts, no_symbolicate) },
    { OPT_NO_CACHE, offsetof(struct kpt_opts, no_cache) },
    { OPT_TRACE, offsetof(struct kpt_opts, trace) },
    { OPT_EXPLAIN, offsetof(struct kpt_opts, explain) },
    { OPT_UNMERGE, offsetof(struct kpt_opts, t_unmerge) },
};

/* the options that take a bounded number (the limits; -j and the others are below) */
static const struct {
    int c;
    size_t off; /* of a size_t in struct kpt_opts */
    size_t min;
    const char *what; /* "--NAME needs WHAT, not 'VALUE'" */
} size_opts[] = {
    { OPT_MAX_FILE, offsetof(struct kpt_opts, lim.max_file_bytes), 1, "a positive number" },
    { OPT_MAX_LINE, offsetof(struct kpt_opts, lim.max_line_bytes), 16, "a number of at least 16" },
    { OPT_MAX_FRAMES, offsetof(struct kpt_opts, lim.max_frames), 1, "a positive number" },
    { OPT_MAX_ARCHIVE, offsetof(struct kpt_opts, lim.max_archive_bytes), 1, "a positive number" },
    { OPT_MAX_MEMBERS, offsetof(struct kpt_opts, lim.max_members), 1, "a positive number" },
};

/* the long name of option c, for a message */
static const char *
opt_name(int c)
{
    size_t i;

    for (i = 0; longopts[i].name; i++)
        if (longopts[i].val == c)
            return longopts[i].name;
    return "?";
}

/* a number from min to max into *out, or a usage error naming the option */
static int
opt_range(int c, const char *arg, size_t min, size_t max, const char *unit, size_t *out)
{
    if (parse_size(arg, min, out) || *out > max)
        return usage_error("--%s needs %s from %zu to %zu, not '%s'", opt_name(c), unit, min, max,
                           arg);
    return 0;
}

/* the options taken by table: 1 when c is one of them, else 0; KPT_E_PARSE after a usage
 * error */
static int
opt_table(int c, const char *arg, struct kpt_opts *o)
{
    char *base = (char *)o;
    size_t i;

    for (i = 0; i < sizeof(str_opts) / sizeof(str_opts[0]); i++)
        if (str_opts[i].c == c) {
            *(const char **)(void *)(base + str_opts[i].off) = arg;
            return 1;
        }
    for (i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++)
        if (flag_opts[i].c == c) {
            *(int *)(void *)(base + flag_opts[i].off) = 1;
            return 1;
        }
    for (i = 0; i < sizeof(size_opts) / sizeof(size_opts[0]); i++)
        if (size_opts[i].c == c) {
            if (parse_size(arg, size_opts[i].min, (size_t *)(void *)(base + size_opts[i].off)))
                return usage_error("--%s needs %s, not '%s'", opt_name(c), size_opts[i].what, arg);
            return 1;
        }
    return 0;
}

/*
 * opt_one() - option c (getopt_long's answer) into o: 0, 1 when --help or --version was
 * printed, KPT_E_PARSE after a usage error. --compare-builds takes its second build from argv.
 */
static int
opt_one(int c, int argc, char **argv, struct kpt_opts *o)
{
    enum kpt_triage t;
    size_t n;
    int rc = opt_table(c, optarg, o);

    if (rc)
        return rc < 0 ? KPT_E_PARSE : 0;
    switch (c) {
    case 'h':
        fputs(usage_text, stdout);
        rep_reports_csv_help(stdout, strlen(strrchr(usage_text, '\n') + 1));
        fputs(usage_text1b, stdout);
        fputs(usage_text2, stdout);
        return 1;
    case 'V': printf("kptrace-batch %s\n", KPT_VERSION); return 1;
    case 'k': push(&o->kdks, &o->nkdks, &o->kdks_cap, optarg); return 0;
    case OPT_KDK_ROOT: push(&o->roots, &o->nroots, &o->roots_cap, optarg); return 0;
    case OPT_KEXT: push(&o->kexts, &o->nkexts, &o->kexts_cap, optarg); return 0;
    case OPT_BUILD: push(&o->builds, &o->nbuilds, &o->builds_cap, optarg); return 0;
    case OPT_STATUS:
        if (kpt_triage_parse(optarg, &t) < 0)
            return usage_error("--status needs open, fixed or ignored, not '%s'", optarg);
        o->t_status = optarg;
        return 0;
    case OPT_RUNS: return opt_range(c, optarg, 1, 1000, "a number", &o->history_runs);
    case OPT_FRAMES:
        if (opt_range(c, optarg, 1, 6, "a number", &n) < 0)
            return KPT_E_PARSE;
        o->frames = (int)n;
        return 0;
    case 'j':
        if (opt_range(c, optarg, 1, 256, "a number", &n) < 0)
            return KPT_E_PARSE;
        o->jobs = (unsigned)n;
        return 0;
    case OPT_LLDB_TIMEOUT:
        if (opt_range(c, optarg, 10, 3600000, "milliseconds", &n) < 0)
            return KPT_E_PARSE;
        o->lldb_timeout_ms = (unsigned)n;
        return 0;
    case OPT_SINCE:
    case OPT_UNTIL:
        if (civil_parse_date(optarg, c == OPT_SINCE ? &o->since : &o->until) < 0)
            return usage_error("--%s needs a date YYYY-MM-DD[THH:MM[:SS]] (UTC), not '%s'",
                               opt_name(c), optarg);
        *(c == OPT_SINCE ? &o->has_since : &o->has_until) = 1;
        return 0;
    case OPT_COMPARE: /* two builds: --compare-builds A B */
        if (optind >= argc || argv[optind][0] == '-')
            return usage_error("%s", "--compare-builds needs two builds: A B");
        o->build_a = optarg;
        o->build_b = argv[optind++];
        return 0;
    case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
    default: return usage_error("unknown option '%s'", argv[optind - 1]);
    }
}

/* 'kptrace-batch triage DB SIGNATURE_ID [...]' and 'kptrace-batch history DB [--runs N]':
 * a history file's decisions and trends; argv + optind are DB (and the id) */
static int
parse_history_cmd(int argc, char **argv, struct kpt_opts *o)
{
    const char *cmd = o->triage ? "triage DB SIGNATURE_ID" : "history DB";

    if (argc - optind != (o->triage ? 2 : 1))
        return usage_error("usage: kptrace-batch %s [options]", cmd);
    if (o->t_merge_into && o->t_unmerge)
        return usage_error("%s", "--merge-into and --unmerge exclude each other");
    if (o->history || o->output || o->csv || o->json || o->html || o->state || o->trace ||
        o->explain)
        return usage_error("'kptrace-batch %s' takes none of the run's options", cmd);
    o->paths = argv + optind;
    o->npaths = (size_t)(argc - optind);
    return 0;
}

/* 'kptrace-batch merge [output options] STATE...': the outputs of one run over every shard */
static int
parse_merge_cmd(int argc, char **argv, struct kpt_opts *o)
{
    if (o->history && (o->trace || o->explain))
        return usage_error("%s", "--history records runs: not with --trace or --explain");
    if (o->trace || o->explain || o->has_since || o->has_until || o->nbuilds || o->rules ||
        o->frames || o->compare_rules)
        return usage_error("%s",
                           "merge takes output options only: filters, rules and --frames belong to "
                           "the shards' runs");
    if (optind >= argc)
        return usage_error("%s", "merge needs STATE files");
    o->paths = argv + optind;
    o->npaths = (size_t)(argc - optind);
    return 0;
}

/* a run over PATH... (or --trace, --explain of one report) */
static int
parse_run(int argc, char **argv, struct kpt_opts *o)
{
    if (o->history && (o->trace || o->explain))
        return usage_error("%s", "--history records runs: not with --trace or --explain");
    if (optind < argc && (!strcmp(argv[optind], "merge") || !strcmp(argv[optind], "triage") ||
                          !strcmp(argv[optind], "history"))) {
        /* 'kptrace-batch -q merge ...': a subcommand after an option, not a path (a folder of
         * that name is ./merge) */
        usage_error("'%s' is a subcommand: it comes first (kptrace-batch %s [options] ...); a "
                    "folder of that name is ./%s",
                    argv[optind], argv[optind], argv[optind]);
        return KPT_E_PARSE;
    }
    if (optind < argc && cli_near_command(argv[optind])) { /* 'merg', 'histroy': no path */
        return usage_error("'%s' is no file and no command: did you mean 'kptrace-batch %s'?",
                           argv[optind], cli_near_command(argv[optind]));
    }
    if (optind >= argc && !o->trace)
        return usage_error("%s", o->explain ? "--explain takes a report" : "no PATH given");
    if (o->explain && o->trace)
        return usage_error("%s", "--explain and --trace: one or the other");
    if (o->trace && argc - optind > 1)
        return usage_error("%s", "--trace takes one report");
    o->paths = argv + optind;
    o->npaths = (size_t)(argc - optind);
    return 0;
}

int
cli_parse(int argc, char **argv, struct kpt_opts *o)
{
    int c, rc;
    const char *prog = strrchr(argv[0], '/');

    memset(o, 0, sizeof(*o));
    kpt_limits_default(&o->lim);
    prog = prog ? prog + 1 : argv[0];
    if (!strcmp(prog, "kptrace"))
        return parse_kptrace(argc, argv, o);
    if (argc > 1 &&
        (!strcmp(argv[1], "merge") || !strcmp(argv[1], "triage") || !strcmp(argv[1], "history"))) {
        o->merge = !strcmp(argv[1], "merge");
        o->triage = !strcmp(argv[1], "triage");
        o->history_table = !strcmp(argv[1], "history");
        argv++;
        argc--;
    }
    /* every subcommand reads the same options; each one's parser below says which it takes */
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":hj:k:o:qvV", longopts, NULL)) != -1)
        if ((rc = opt_one(c, argc, argv, o)) != 0)
            return rc;
    if ((o->t_status || o->t_bug || o->t_note || o->t_merge_into || o->t_unmerge) && !o->triage)
        return usage_error("%s", "--status, --bug, --note, --merge-into and --unmerge belong to "
                                 "'kptrace-batch triage DB SIGNATURE_ID'");
    if (o->history_runs && !o->history_table)
        return usage_error("%s", "--runs belongs to 'kptrace-batch history DB'");
    if (o->triage || o->history_table)
        return parse_history_cmd(argc, argv, o);
    return o->merge ? parse_merge_cmd(argc, argv, o) : parse_run(argc, argv, o);
}
