/*
 * ing_bplist.c - binary property lists (bplist00), read through libplist and handed to the
 * XML plist reader, so both kinds give the same fields under the same limits.
 */
#include <plist/plist.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "util/err.h"
#include "util/xalloc.h"

#define BPLIST_MAX_DEPTH 256 /* a panic plist is two levels deep; libplist recurses */
#define ON_PATH UINT16_MAX
#define CORRUPT "binary property list is corrupt (its trailer or offsets point nowhere)"
#define DEEP "binary property list nested too deeply (over 256 levels)"
/* objects libplist may build: a panic plist has a few dozen */
#define BPLIST_MAX_NODES (1u << 16)

static uint64_t
be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;

    while (n--)
        v = v << 8 | *p++;
    return v;
}

struct bp {
    const unsigned char *d;
    size_t otoff, osz, rsz;
    uint64_t nobj;
};

/* object i's container refs: where they start and how many; 0 for a leaf; KPT_E_PARSE when bad */
static int
refs_of(const struct bp *b, uint64_t i, size_t *at, uint64_t *count)
{
    uint64_t off = be(b->d + b->otoff + i * b->osz, b->osz), cnt;
    unsigned marker, type;
    size_t p;

    if (off < 8 || off >= b->otoff)
        return KPT_E_PARSE;
    marker = b->d[off];
    type = marker >> 4;
    *count = 0;
    if (type != 0xA && type != 0xC && type != 0xD)
        return 0;
    cnt = marker & 0xf;
    p = (size_t)off + 1;
    if (cnt == 0xf) { /* the count follows as an int object */
        unsigned k;

        if (p >= b->otoff || (b->d[p] >> 4) != 1 || (k = 1u << (b->d[p] & 0xf)) > 8 ||
            p + 1 + k > b->otoff)
            return KPT_E_PARSE;
        cnt = be(b->d + p + 1, k);
        p += 1 + k;
    }
    if (type == 0xD)
        cnt = cnt > UINT64_MAX / 2 ? UINT64_MAX : cnt * 2;
    if (cnt > (b->otoff - p) / b->rsz)
        return KPT_E_PARSE;
    *at = p;
    *count = cnt;
    return 0;
}

/*
 * libplist reads nested containers by recursion, and reads an object again for every
 * reference to it: a file thousands of levels deep overflows its stack, and one whose
 * containers share children (a "diamond" of 60 levels) takes 2^60 steps. Its shape is
 * measured here first, without recursion, each object once (memoised): the depth along
 * every path, and the number of objects libplist would build; cycles are refused. Returns
 * 0, or KPT_E_PARSE with why the file is refused appended to err.
 */
static int
shape_check(const unsigned char *d, size_t n, struct buf *err)
{
    struct bp b;
    uint64_t top, i;
    uint16_t *depth; /* 0: not seen; ON_PATH; else 1 + the deepest below */
    uint32_t *size;  /* the objects it expands to, itself included (up to BPLIST_MAX_NODES + 1) */
    struct frame {
        uint64_t obj, next, count, size;
        size_t at;
        uint16_t deepest;
    } * st;
    size_t sp = 0;
    const char *why = NULL;

    if (n < 8 + 32)
        return kpt_fail(err, KPT_E_PARSE, "%s", CORRUPT);
    b.d = d;
    b.osz = d[n - 26];
    b.rsz = d[n - 25];
    b.nobj = be(d + n - 24, 8);
    top = be(d + n - 16, 8);
    if (be(d + n - 8, 8) > n - 32)
        return kpt_fail(err, KPT_E_PARSE, "%s", CORRUPT);
    b.otoff = (size_t)be(d + n - 8, 8);
    if (!b.osz || b.osz > 8 || !b.rsz || b.rsz > 8 || !b.nobj || top >= b.nobj || b.otoff < 9 ||
        b.nobj > (n - 32 - b.otoff) / b.osz)
        return kpt_fail(err, KPT_E_PARSE, "%s", CORRUPT);
    depth = xcalloc((size_t)b.nobj, sizeof(*depth));
    size = xcalloc((size_t)b.nobj, sizeof(*size));
    st = xcalloc(BPLIST_MAX_DEPTH + 1, sizeof(*st));
    st[0].obj = top;
    st[0].size = 1;
    depth[top] = ON_PATH;
    if (refs_of(&b, top, &st[0].at, &st[0].count) < 0)
        why = CORRUPT;
    while (!why) {
        struct frame *f = &st[sp];

        if (f->size > BPLIST_MAX_NODES) {
            why = "binary property list expands to over 65,536 objects (shared children)";
        } else if (f->next == f->count) {
            uint16_t dd = (uint16_t)(f->deepest + 1);

            depth[f->obj] = dd;
            size[f->obj] = (uint32_t)f->size;
            if (!sp)
                break;
            sp--;
            if (dd > st[sp].deepest)
                st[sp].deepest = dd;
            st[sp].size += f->size;
        } else if ((i = be(d + f->at + f->next++ * b.rsz, b.rsz)) >= b.nobj) {
            why = CORRUPT;
        } else if (depth[i] == ON_PATH) {
            why = "binary property list holds a container inside itself";
        } else if (depth[i]) {
            /* met before: its depth below this path, its objects built once more */
            if (sp + 1 + depth[i] > BPLIST_MAX_DEPTH)
                why = DEEP;
            if (depth[i] > f->deepest)
                f->deepest = depth[i];
            f->size += size[i];
        } else if (sp + 1 >= BPLIST_MAX_DEPTH) {
            why = DEEP;
        } else {
            struct frame *c = &st[++sp];

            memset(c, 0, sizeof(*c));
            c->obj = i;
            c->size = 1;
            depth[i] = ON_PATH;
            if (refs_of(&b, i, &c->at, &c->count) < 0)
                why = CORRUPT;
        }
    }
    free(depth);
    free(size);
    free(st);
    return why ? kpt_fail(err, KPT_E_PARSE, "%s", why) : 0;
}

int
ing_bplist_parse(const char *data, size_t len, const struct kpt_limits *lim, struct arena *a,
                 struct kpt_report *r, struct buf *err)
{
    plist_t root = NULL;
    char *xml = NULL;
    uint32_t xlen = 0;
    int ret;

    if (len > lim->max_file_bytes || len > UINT32_MAX)
        return kpt_fail(err, KPT_E_LIMIT, "binary property list over the file size limit");
    if ((ret = shape_check((const unsigned char *)data, len, err)) < 0)
        return ret;
    plist_from_bin(data, (uint32_t)len, &root);
    if (!root)
        return kpt_fail(err, KPT_E_PARSE,
                        "binary property list is corrupt (libplist cannot read it)");
    plist_to_xml(root, &xml, &xlen);
    plist_free(root);
    if (!xml)
        return kpt_fail(err, KPT_E_PARSE, "binary property list cannot be converted to XML");
    if (xlen > lim->max_file_bytes) {
        plist_to_xml_free(xml);
        return kpt_fail(err, KPT_E_LIMIT,
                        "binary property list over the file size limit once expanded");
    }
    ret = ing_plist_parse(xml, xlen, lim, a, r, err);
    plist_to_xml_free(xml);
    return ret;
}
