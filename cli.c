/*
 * cli.c - getopt_long and the usage text; nothing else parses argv.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: kptrace-batch [options] PATH...\n"
    "\n"
    "Reads macOS kernel panic reports (legacy Intel .panic, JSON-wrapped .panic, .ips\n"
    "bug_type 210, Apple silicon panic text, XML property lists; gzip transparently) and\n"
    "writes a triage summary of the distinct crashes among them.\n"
    "\n"
    "  PATH                     a report file or a directory (searched recursively);\n"
    "                           '-' reads one path per line from standard input\n"
    "  -o, --output FILE        Markdown summary (default: standard output)\n"
    "      --csv FILE           one row per cluster\n"
    "      --reports-csv FILE   one row per input file: path,status,format,arch,os_build,\n"
    "                           kernel_uuid,panic_class,signature_id,signature,frames,\n"
    "                           symbolicated,error\n"
    "      --json FILE          everything above, machine-readable\n"
    "  -q, --quiet              no progress and no per-file diagnostics; progress goes to\n"
    "                           stderr only when it is a terminal\n"
    "  -h, --help               this text\n"
    "  -V, --version            the version\n"
    "\n"
    "limits (per input; hitting one is reported for that file):\n"
    "      --max-file-bytes N   largest input after decompression (default 67108864)\n"
    "      --max-line-bytes N   longest line of text (default 1048576)\n"
    "      --max-frames N       backtrace frames kept per report (default 4096)\n"
    "\n"
    "status of an input: ok (a panic report with a backtrace), partial (a panic report\n"
    "without a backtrace, or visibly damaged: what was read is kept), rejected (not a\n"
    "panic report, unreadable or unparseable; the error column says why).\n"
    "\n"
    "exit: 0 every input was read   1 some inputs were rejected (listed in the outputs)\n"
    "      2 usage error   3 cannot start or finish: an output cannot be written\n"
    "      4 internal error\n";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("kptrace-batch: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'kptrace-batch --help' for more information.\n", stderr);
}

static int
parse_size(const char *s, size_t min, size_t *out)
{
    char *end;
    uintmax_t v;

    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    v = strtoumax(s, &end, 10);
    if (errno || *end || v < min || v > SIZE_MAX / 2)
        return -1;
    *out = (size_t)v;
    return 0;
}

enum { OPT_CSV = 256, OPT_REPORTS_CSV, OPT_JSON, OPT_MAX_FILE, OPT_MAX_LINE, OPT_MAX_FRAMES };

int
cli_parse(int argc, char **argv, struct kpt_opts *o)
{
    static const struct option longopts[] = {
        { "csv", required_argument, NULL, OPT_CSV },
        { "help", no_argument, NULL, 'h' },
        { "json", required_argument, NULL, OPT_JSON },
        { "max-file-bytes", required_argument, NULL, OPT_MAX_FILE },
        { "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
        { "max-line-bytes", required_argument, NULL, OPT_MAX_LINE },
        { "output", required_argument, NULL, 'o' },
        { "quiet", no_argument, NULL, 'q' },
        { "reports-csv", required_argument, NULL, OPT_REPORTS_CSV },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(o, 0, sizeof(*o));
    kpt_limits_default(&o->lim);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:qV", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 1;
        case 'V':
            printf("kptrace-batch %s\n", KPT_VERSION);
            return 1;
        case 'o':
            o->output = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case OPT_CSV:
            o->csv = optarg;
            break;
        case OPT_REPORTS_CSV:
            o->reports_csv = optarg;
            break;
        case OPT_JSON:
            o->json = optarg;
            break;
        case OPT_MAX_FILE:
            if (parse_size(optarg, 1, &o->lim.max_file_bytes)) {
                usage_error("--max-file-bytes needs a positive number, not '%s'", optarg);
                return -1;
            }
            break;
        case OPT_MAX_LINE:
            if (parse_size(optarg, 16, &o->lim.max_line_bytes)) {
                usage_error("--max-line-bytes needs a number of at least 16, not '%s'", optarg);
                return -1;
            }
            break;
        case OPT_MAX_FRAMES:
            if (parse_size(optarg, 1, &o->lim.max_frames)) {
                usage_error("--max-frames needs a positive number, not '%s'", optarg);
                return -1;
            }
            break;
        case ':':
            usage_error("option '%s' needs a value", argv[optind - 1]);
            return -1;
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
            return -1;
        }
    }
    if (optind >= argc) {
        usage_error("%s", "no PATH given");
        return -1;
    }
    o->paths = argv + optind;
    o->npaths = (size_t)(argc - optind);
    return 0;
}
