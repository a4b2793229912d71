/*
 * rd_catalogue.c - the catalogue cache (model/caches.h; symbolicate/sym_kcache.c writes it)
 * read back. A line is kept only as this tool writes one: its kind, a path without control
 * characters, every number whole and in its range (a CPU type fits an int, a segment does not
 * wrap past 2^64, a UUID is 32 hex digits), as many slices as it says and no more than a
 * Mach-O may hold; anything else is skipped and counted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/caches.h"
#include "readers/rd.h"
#include "util/cursor.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/readfile.h"
#include "util/xalloc.h"

/* a tab-free run of at most max bytes, none a control character, into *out (malloc'd) */
static int
text(const char **p, const char *end, size_t max, char **out)
{
    const char *q = *p;

    while (q < end && *q != '\t') {
        if ((unsigned char)*q < 0x20 || *q == 0x7f || (size_t)(q - *p) >= max)
            return KPT_E_PARSE;
        q++;
    }
    if (q == *p)
        return KPT_E_PARSE;
    *out = xmemdup0(*p, (size_t)(q - *p));
    *p = q;
    return KPT_OK;
}

/* "\t" then a decimal number of at most max */
static int
tab_dec(const char **p, const char *end, uint64_t *v, uint64_t max)
{
    return cur_lit(p, end, "\t") || cur_dec(p, end, v, max) ? KPT_E_PARSE : KPT_OK;
}

/* "\t" then a segment's address (or "-": none, *has 0) and "\t" its size: no wrap past 2^64 */
static int
segment(const char **p, const char *end, uint64_t *vm, uint64_t *size, unsigned *has)
{
    *has = 0;
    if (cur_lit(p, end, "\t"))
        return KPT_E_PARSE;
    if (cur_lit(p, end, "-")) {
        if (cur_hex(p, end, vm, UINT64_MAX))
            return KPT_E_PARSE;
        *has = 1;
    }
    if (cur_lit(p, end, "\t") || cur_hex(p, end, size, UINT64_MAX))
        return KPT_E_PARSE;
    if (*has && *size > UINT64_MAX - *vm)
        return KPT_E_PARSE;
    if (!*has)
        *vm = *size = 0;
    return KPT_OK;
}

/* "\t" then 32 hex digits (or "-": none) */
static int
uuid(const char **p, const char *end, struct kpt_catalogue_slice *s)
{
    size_t i;
    int hi, lo;

    if (cur_lit(p, end, "\t"))
        return KPT_E_PARSE;
    if (!cur_lit(p, end, "-"))
        return KPT_OK;
    if (end - *p < 32)
        return KPT_E_PARSE;
    for (i = 0; i < 16; i++) {
        if ((hi = hex_digit((unsigned char)(*p)[2 * i])) < 0 ||
            (lo = hex_digit((unsigned char)(*p)[2 * i + 1])) < 0)
            return KPT_E_PARSE;
        s->uuid[i] = (uint8_t)(hi << 4 | lo);
    }
    *p += 32;
    s->has_uuid = 1;
    return KPT_OK;
}

static int
slice(const char **p, const char *end, struct kpt_catalogue_slice *s)
{
    uint64_t cpu, sub;
    unsigned has;

    if (tab_dec(p, end, &cpu, INT32_MAX) || tab_dec(p, end, &sub, INT32_MAX) || uuid(p, end, s))
        return KPT_E_PARSE;
    s->cputype = (int)cpu; /* at most INT32_MAX, checked */
    s->cpusubtype = (int)sub;
    if (segment(p, end, &s->text_vm, &s->text_size, &has))
        return KPT_E_PARSE;
    s->has_text = has;
    if (segment(p, end, &s->exec_vm, &s->exec_size, &has))
        return KPT_E_PARSE;
    s->has_exec = has;
    return KPT_OK;
}

/* P's "\tID\tEXE": both, or "-" for either (then neither is kept); EXE is a file name */
static int
plist_names(const char **p, const char *end, struct kpt_catalogue_entry *e)
{
    char *id = NULL, *exe = NULL;

    if (cur_lit(p, end, "\t") || text(p, end, KPT_CATALOGUE_NAME_MAX, &id) ||
        cur_lit(p, end, "\t") || text(p, end, KPT_CATALOGUE_NAME_MAX, &exe) || *p != end) {
        free(id);
        free(exe);
        return KPT_E_PARSE;
    }
    if (strcmp(id, "-") && strcmp(exe, "-") && !strchr(exe, '/')) {
        e->id = id;
        e->exe = exe;
        return KPT_OK;
    }
    free(id);
    free(exe);
    return KPT_OK;
}

/* one line, [p, end) without its newline, into e (strings owned); KPT_E_PARSE: not one */
static int
line(const char *p, const char *end, struct kpt_catalogue_entry *e)
{
    uint64_t n;
    size_t i;

    memset(e, 0, sizeof(*e));
    if (end - p < 2 || (*p != 'M' && *p != 'P') || p[1] != '\t')
        return KPT_E_PARSE;
    e->kind = *p;
    p += 2;
    if (text(&p, end, KPT_CATALOGUE_PATH_MAX, &e->path) || tab_dec(&p, end, &e->size, UINT64_MAX) ||
        tab_dec(&p, end, &e->mtime, UINT64_MAX) || tab_dec(&p, end, &e->ino, UINT64_MAX))
        goto bad;
    if (e->kind == 'P') {
        if (plist_names(&p, end, e))
            goto bad;
        return KPT_OK;
    }
    if (tab_dec(&p, end, &n, KPT_CATALOGUE_SLICES))
        goto bad;
    e->nslices = (size_t)n;
    for (i = 0; i < e->nslices; i++)
        if (slice(&p, end, &e->sl[i]))
            goto bad;
    if (p != end)
        goto bad;
    return KPT_OK;
bad:
    free(e->path);
    memset(e, 0, sizeof(*e));
    return KPT_E_PARSE;
}

int
rd_catalogue_parse(const char *data, size_t len, struct kpt_catalogue *c, struct buf *err)
{
    const char *p = data, *end = data + len, *nl;
    struct kpt_catalogue_entry e;

    memset(c, 0, sizeof(*c));
    if (!len)
        return KPT_OK;
    if (!(nl = memchr(p, '\n', len)) || cur_lit(&p, nl, KPT_CATALOGUE_MAGIC) || p != nl) {
        c->bad = 1; /* another format or version: nothing from it */
        return kpt_fail(err, KPT_E_FORMAT, "not a catalogue of this format");
    }
    for (p = nl + 1; p < end; p = nl + 1) {
        if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
            c->bad++; /* a last line without its newline: cut by a crash */
            break;
        }
        if (c->n >= KPT_CATALOGUE_ENTRIES || line(p, nl, &e) < 0) {
            c->bad++;
            continue;
        }
        VEC_GROW(c->e, c->n + 1, c->cap);
        c->e[c->n++] = e;
    }
    return KPT_OK;
}

int
rd_catalogue_load(const char *path, struct kpt_catalogue *c, struct buf *err)
{
    char *data;
    size_t len;
    int ret;

    memset(c, 0, sizeof(*c));
    if ((ret = read_regular(path, KPT_CATALOGUE_MAX, &data, &len, err)) < 0)
        return ret;
    ret = rd_catalogue_parse(data, len, c, err);
    free(data);
    return ret;
}

const struct kpt_cache_readers rd_cache_readers = { rd_symcache_load, rd_catalogue_load };
