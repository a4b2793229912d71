/*
 * ing_archive_check.c - an archive's bytes judged before and beside libarchive: the magic
 * numbers that make a file one, whether a gzip stream holds a tar, and what libarchive does
 * not say: a zip central directory whose entries share one local header (libarchive keeps
 * one of them, the others vanish), and the window a zstd frame asks for (libzstd refuses
 * one over its limit with a bare error).
 */
#include <archive.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ingest/ing_int.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/xalloc.h"

#define ZSTD_WINDOW_LIMIT ((uint64_t)1 << 27) /* libzstd's default: larger windows are refused */
#define EOCD_MIN 22u                          /* the end of central directory record, no comment */
#define EOCD_SEARCH (EOCD_MIN + 65535u)       /* ... with the longest comment */
#define CDIR_MAX (256u << 20)                 /* a larger directory is not checked */
#define CDIR_ENTRY 46u                        /* a central directory entry's fixed part */

/* the compressions libarchive decodes itself (one that would run an external program is
 * never registered) */
static int
add_filters(struct archive *a)
{
    static int (*const add[])(struct archive *) = {
        archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
        archive_read_support_filter_xz,   archive_read_support_filter_lzma,
        archive_read_support_filter_zstd, archive_read_support_filter_lz4,
    };
    static _Atomic int usable = -1; /* a bit per entry of add[]: built in, no external program */
    size_t i;
    int u = usable; /* atomic: readers on several threads (-j) find the same bits */

    if (u < 0) {
        u = 0;
        for (i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
            struct archive *t = archive_read_new();

            if (add[i](t) == ARCHIVE_OK)
                u |= 1 << i;
            archive_read_free(t);
        }
        usable = u;
    }
    for (i = 0; i < sizeof(add) / sizeof(add[0]); i++)
        if ((u & (1 << i)) && add[i](a) != ARCHIVE_OK)
            return KPT_E_PARSE;
    return 0;
}

struct archive *
ing_archive_reader(int raw)
{
    struct archive *a = archive_read_new();

    if (!a)
        KPT_BUG("archive_read_new failed");
    if (add_filters(a) < 0)
        goto fail;
    if (raw) {
        if (archive_read_support_format_raw(a) != ARCHIVE_OK)
            goto fail;
        return a;
    }
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_support_format_gnutar(a) != ARCHIVE_OK ||
        archive_read_support_format_zip(a) != ARCHIVE_OK ||
        archive_read_support_format_cpio(a) != ARCHIVE_OK ||
        archive_read_support_format_7zip(a) != ARCHIVE_OK)
        goto fail;
    return a;
fail:
    archive_read_free(a);
    return NULL;
}

struct cdent {
    uint32_t off; /* its local header's offset */
    size_t pos;   /* where its record is in the directory */
};

static int
cmp_cdent(const void *x, const void *y)
{
    const struct cdent *a = x, *b = y;

    if (a->off != b->off)
        return a->off < b->off ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* the directory cd[0..n): the name of the first entry (in directory order) whose local
 * header an earlier entry has, or NULL */
static char *
shared_in(const unsigned char *cd, size_t n, unsigned count)
{
    struct cdent *v = xcalloc(count ? count : 1, sizeof(*v));
    size_t pos = 0, k = 0, i, best = SIZE_MAX;
    char *name = NULL;

    while (k < count && pos + CDIR_ENTRY <= n && le32(cd + pos) == 0x02014b50) {
        size_t len = CDIR_ENTRY + le16(cd + pos + 28) + le16(cd + pos + 30) + le16(cd + pos + 32);

        if (pos + len > n)
            break;
        v[k].off = le32(cd + pos + 42);
        v[k++].pos = pos;
        pos += len;
    }
    qsort(v, k, sizeof(*v), cmp_cdent);
    for (i = 1; i < k; i++) /* zip64 entries (0xffffffff) are not compared */
        if (v[i].off == v[i - 1].off && v[i].off != 0xffffffffu && v[i].pos < best)
            best = v[i].pos;
    if (best != SIZE_MAX)
        name = xmemdup0(cd + best + CDIR_ENTRY, le16(cd + best + 28));
    free(v);
    return name;
}

char *
ing_zip_shared_entry(ing_read_at_fn *rd, const void *ctx, uint64_t len)
{
    unsigned char *tail, *cd = NULL;
    size_t n = len < EOCD_SEARCH ? (size_t)len : EOCD_SEARCH, i;
    uint64_t start = len - n;
    char *name = NULL;

    if (len < EOCD_MIN)
        return NULL;
    tail = xmalloc(n);
    if (rd(ctx, tail, n, start) != (ssize_t)n)
        goto out;
    for (i = n - EOCD_MIN + 1; i-- > 0;) {
        unsigned count;
        uint32_t size, off;

        if (le32(tail + i) != 0x06054b50)
            continue;
        count = le16(tail + i + 10);
        size = le32(tail + i + 12);
        off = le32(tail + i + 16);
        if (count < 2 || count == 0xffff || off == 0xffffffffu || size > CDIR_MAX ||
            (uint64_t)off + size > len)
            break; /* zip64, or nothing to compare: libarchive's to judge */
        cd = xmalloc(size ? size : 1);
        if (rd(ctx, cd, size, off) == (ssize_t)size)
            name = shared_in(cd, size, count);
        break;
    }
out:
    free(tail);
    free(cd);
    return name;
}

uint64_t
ing_zstd_window(const unsigned char *d, size_t n)
{
    unsigned fhd, single, did, fcs;
    size_t p = 5;
    uint64_t v = 0;
    static const unsigned did_len[] = { 0, 1, 2, 4 };

    if (n < 6 || memcmp(d, "\x28\xb5\x2f\xfd", 4))
        return 0;
    fhd = d[4];
    single = (fhd >> 5) & 1;
    if (!single) { /* the window descriptor: exponent and mantissa */
        unsigned wlog = 10 + (d[5] >> 3);
        uint64_t base = (uint64_t)1 << wlog;

        return base + (base / 8) * (d[5] & 7);
    }
    did = did_len[fhd & 3];
    fcs = (fhd >> 6) == 0 ? 1 : 1u << (fhd >> 6); /* single segment: the content's size */
    p += did;
    if (p + fcs > n)
        return 0;
    while (fcs--)
        v = v << 8 | d[p + fcs];
    return (fhd >> 6) == 1 ? v + 256 : v;
}

int
ing_archive_magic(const unsigned char *d, size_t n)
{
    static const struct {
        size_t off, len;
        const char *m;
    } magic[] = {
        { 0, 2, "\x1f\x8b" },
        { 0, 3, "BZh" },
        { 0, 6,
          "\xfd"
          "7zXZ\0" },
        { 0, 4, "\x28\xb5\x2f\xfd" },
        { 0, 4, "\x04\x22\x4d\x18" },
        { 0, 4, "PK\x03\x04" },
        { 0, 4, "PK\x05\x06" },
        { 0, 4, "PK\x07\x08" },
        { 0, 6, "7z\xbc\xaf\x27\x1c" },
        { 0, 6, "070707" },
        { 0, 6, "070701" },
        { 0, 6, "070702" },
        { 0, 2, "\xc7\x71" },
        { 0, 2, "\x71\xc7" },
        { 257, 5, "ustar" },
    };
    size_t i;

    for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
        if (n >= magic[i].off + magic[i].len && !memcmp(d + magic[i].off, magic[i].m, magic[i].len))
            return 1;
    return 0;
}

int
ing_compressed_magic(const unsigned char *d, size_t n)
{
    return n >= 4 && ((d[0] == 0x1f && d[1] == 0x8b) || !memcmp(d, "BZh", 3) ||
                      (n >= 5 && !memcmp(d,
                                         "\xfd"
                                         "7zXZ",
                                         5)) ||
                      !memcmp(d, "\x28\xb5\x2f\xfd", 4) || !memcmp(d, "\x04\x22\x4d\x18", 4));
}

const char *
ing_stream_damage(const unsigned char *head, size_t n, char *out, size_t cap)
{
    uint64_t w = ing_zstd_window(head, n);

    if (w > ZSTD_WINDOW_LIMIT) {
        snprintf(out, cap,
                 "a zstd stream whose window is %llu MiB, over the decoder's limit of %u MiB "
                 "(written with zstd --long?): not decompressed",
                 (unsigned long long)(w >> 20), (unsigned)(ZSTD_WINDOW_LIMIT >> 20));
        return out;
    }
    return NULL;
}

int
ing_gzip_holds_archive(const unsigned char *in, size_t n)
{
    unsigned char out[512];
    z_stream z;
    int holds;

    if (!n)
        return 0;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        KPT_BUG("inflateInit2 failed");
    z.next_in = (unsigned char *)(uintptr_t)in;
    z.avail_in = n > 65536 ? 65536 : (uInt)n;
    z.next_out = out;
    z.avail_out = sizeof(out);
    while (z.avail_out && inflate(&z, Z_NO_FLUSH) == Z_OK)
        ;
    holds = ing_archive_magic(out, sizeof(out) - z.avail_out) &&
            !ing_compressed_magic(out, sizeof(out) - z.avail_out);
    inflateEnd(&z);
    return holds;
}

int
ing_nested_archive(const char *d, size_t n)
{
    const unsigned char *u = (const unsigned char *)d;

    if (!ing_archive_magic(u, n))
        return 0;
    return n >= 2 && u[0] == 0x1f && u[1] == 0x8b ? ing_gzip_holds_archive(u, n) : 1;
}
