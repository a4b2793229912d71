/*
 * ing_kind.c - what an input is when it is no panic report: another kind of diagnostic
 * report (skipped), or a file that only mentions a report's field (no anchor). Pure: names
 * and bytes in, verdicts out.
 */
#include <string.h>

#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/err.h"
#include "util/mem.h"

/* the last component of a path or member name */
static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && !strcmp(s + n - k, suffix);
}

/* other kinds of report DiagnosticReports folders and sysdiagnoses hold, by name */
static const struct {
    const char *suffix, *what;
} other_kinds[] = {
    { ".crash", "a crash report (.crash)" },
    { ".spin", "a spin report (.spin)" },
    { ".hang", "a hang report (.hang)" },
    { ".diag", "a resource report (.diag)" },
    { ".shutdownStall", "a shutdown stall report" },
    { ".ips.ca.synced", "an analytics log (.ips.ca.synced)" },
    { ".core_analytics", "an analytics log (.core_analytics)" },
};

const char *
ing_kind_by_name(const char *path)
{
    const char *b = base_name(path);
    size_t i;

    if (!strcmp(b, ".DS_Store"))
        return "Finder metadata (.DS_Store)";
    if (!strncmp(b, "._", 2))
        return "macOS resource fork metadata (._ file)";
    for (i = 0; i < sizeof(other_kinds) / sizeof(other_kinds[0]); i++)
        if (ends_with(b, other_kinds[i].suffix))
            return other_kinds[i].what;
    return NULL;
}

int
ing_name_looks_report(const char *name)
{
    static const char *const suffixes[] = { ".panic", ".ips", ".panic.gz", ".ips.gz" };
    const char *b = base_name(name);
    size_t i;

    if (!strcmp(b, ".DS_Store") || !strncmp(b, "._", 2))
        return 0; /* Finder's files, whatever they are named after */
    if (ing_kind_by_name(name))
        return 1;
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
        if (ends_with(b, suffixes[i]))
            return 1;
    return kpt_memmem(b, strlen(b), "panic", 5) != NULL ||
           kpt_memmem(b, strlen(b), "Panic", 5) != NULL;
}

/* bug_types an .ips header names, other than 210 (a kernel panic) */
static const struct {
    const char *type, *what;
} bug_types[] = {
    { "109", "a crash report" },     { "309", "a crash report" },
    { "288", "a stackshot report" }, { "298", "a low-memory (Jetsam) report" },
    { "211", "an analytics log" },   { "202", "a spin report" },
};

const char *
ing_kind_bug_type(struct arena *a, const char *hdr, size_t n)
{
    const char *p = kpt_memmem(hdr, n, "\"bug_type\"", 10), *end = hdr + n, *v;
    size_t i, vn;

    if (!p)
        return NULL;
    p += 10;
    while (p < end && (*p == ' ' || *p == '\t' || *p == ':'))
        p++;
    if (p < end && *p == '"')
        p++;
    for (v = p; p < end && *p >= '0' && *p <= '9' && p - v < 8; p++)
        ;
    vn = (size_t)(p - v);
    if (!vn || (p < end && *p != '"' && *p != ',' && *p != '}' && *p != ' '))
        return NULL; /* not a number: ing_json says what is wrong with it */
    if (vn == 3 && !memcmp(v, "210", 3))
        return NULL;
    for (i = 0; i < sizeof(bug_types) / sizeof(bug_types[0]); i++)
        if (vn == 3 && !memcmp(v, bug_types[i].type, 3))
            return arena_printf(a, "an .ips of bug_type %.*s (%s), not a kernel panic (210)",
                                (int)vn, v, bug_types[i].what);
    return arena_printf(a, "an .ips of bug_type %.*s, not a kernel panic (210)", (int)vn, v);
}

/* ---- anchors: what makes text a panic report (not one field name) ---- */

/* one is enough: lines only a panic report prints */
static const char *const strong[] = {
    "panic(cpu ",
    "panic(CPU ",
    "Panic(CPU ",
    "Panic(cpu ",
    "PANIC(cpu ",
    "panic(cpu",
    "Panic(CPU",
    "Debugger message: ",
    "Backtrace (CPU ",
    "Panicked task ",
    "*** Panic Report ***",
    "*** MCA Error Report ***",
    "Machine-check capabilities",
    "Panicked thread: ",
};

/* fields a panic report prints, each common elsewhere: three distinct ones are needed */
static const char *const weak[] = {
    "Kernel UUID: ",
    "Kernel slide:",
    "Kernel text base:",
    "Kernel Extensions in backtrace",
    "Darwin Kernel Version ",
    "System model name:",
    "Process name corresponding to current thread",
    "last loaded kext at",
    "loaded kexts:",
    "Boot args:",
    "KernelCache slide:",
    "Mac OS version:",
    "Epoch Time:",
    "Kernel version:",
    "lr: 0x",
    "Panic diags file available:",
    "mach_kernel : _",
};

int
ing_text_has_anchor(const char *d, size_t n)
{
    size_t i, hits = 0;

    for (i = 0; i < sizeof(strong) / sizeof(strong[0]); i++)
        if (kpt_memmem(d, n, strong[i], strlen(strong[i])))
            return 1;
    for (i = 0; i < sizeof(weak) / sizeof(weak[0]) && hits < 3; i++)
        if (kpt_memmem(d, n, weak[i], strlen(weak[i])))
            hits++;
    return hits >= 3;
}

int
ing_body_has_anchor(const char *d, size_t n)
{
    return kpt_memmem(d, n, "\"panicString\"", 13) ||
           kpt_memmem(d, n, "\"macOSPanicString\"", 18) ||
           kpt_memmem(d, n, "{\"macOSProcessedStackshotData\"", 30);
}

#define BINARY_HEAD 1024u /* bytes judged: text or not */

/* the NUL and control bytes (not blanks, line ends, backspace or ESC) in the first KiB of
 * d[0..n) when they make it no text (one in 64, and at least 4: a report with a few NULs
 * is damaged text), else 0. UTF-16, property lists and compressed data are told before. */
size_t
ing_binary_head(const char *d, size_t n)
{
    size_t i, m = n < BINARY_HEAD ? n : BINARY_HEAD, bad = 0;

    for (i = 0; i < m; i++) {
        unsigned char c = (unsigned char)d[i];

        if ((c < 0x20 && (!c || !strchr("\t\n\r\f\v\b\x1b", c))) || c == 0x7f)
            bad++;
    }
    return bad >= 4 && bad * 64 > m ? bad : 0;
}
