/*
 * ing_input.c - an input's bytes to a report, with what its name says. One rule for a file
 * and an archive member alike: an empty input, or one that is no panic report and is not
 * named like any report (a log, a property list, JSON, a binary), is another kind of file:
 * a member is counted, a file's row is skipped. A file named like a report that is none is
 * rejected; one named like another kind of report (.crash, .spin, ...) is skipped.
 */
#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/err.h"

#define EMPTY_WHY "empty (0 bytes): no report"

int
ing_parse_named(const char *name, const void *data, size_t len, const struct kpt_limits *lim,
                struct arena *a, struct kpt_report *r)
{
    int ret;
    const char *k;

    if (!len) { /* ReportCrash leaves them behind: nothing to read, nothing wrong */
        r->status = KPT_ST_SKIPPED;
        r->error = EMPTY_WHY;
        return KPT_E_FORMAT;
    }
    ret = ing_parse(data, len, lim, a, r);
    if (ret == KPT_E_FORMAT && r->status == KPT_ST_REJECTED && (k = ing_kind_by_name(name))) {
        r->status = KPT_ST_SKIPPED;
        r->error = k;
    }
    return ret;
}

/* after ing_parse_named(): 1 when the input is another kind of file (see above) */
static int
other_kind(const char *name, int ret, const struct kpt_report *r, size_t len)
{
    return ret == KPT_E_FORMAT && !ing_name_looks_report(name) &&
           (r->status == KPT_ST_REJECTED || ing_kind_by_name(name) || !len);
}

int
ing_parse_member(const char *member, const void *data, size_t len, const struct kpt_limits *lim,
                 struct arena *a, struct kpt_report *r)
{
    int ret = ing_parse_named(member ? member : "", data, len, lim, a, r);

    /* no report by content, nor by name (a .DS_Store, skipped by name, is none either) */
    if (member && other_kind(member, ret, r, len))
        return ING_OTHER;
    return ret;
}

int
ing_parse_file(const char *path, const void *data, size_t len, const struct kpt_limits *lim,
               struct arena *a, struct kpt_report *r)
{
    int ret = ing_parse_named(path, data, len, lim, a, r);

    if (other_kind(path, ret, r, len) && r->status == KPT_ST_REJECTED) {
        r->status = KPT_ST_SKIPPED;
        r->error = arena_printf(
            a, "another kind of file (neither a panic report nor named like a report): %s",
            r->error ? r->error : "no report");
    }
    return ret;
}
