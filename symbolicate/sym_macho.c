/*
 * sym_macho.c - reading Mach-O headers (constants from <mach-o/loader.h>, <mach-o/fat.h>).
 */
#include "symbolicate/sym_macho.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MH_MAGIC_64 0xfeedfacfu
#define FAT_MAGIC 0xcafebabeu
#define LC_SEGMENT_64 0x19u
#define LC_UUID 0x1bu
#define MAX_CMDS_BYTES (16u << 20)

/* one thin 64-bit image at d[0..n) */
static int
parse_thin(const uint8_t *d, size_t n, struct macho_image *im)
{
    uint32_t ncmds, sizeofcmds, i;
    size_t off = 32;

    memset(im, 0, sizeof(*im));
    if (n < 32 || le32(d) != MH_MAGIC_64)
        return KPT_E_FORMAT;
    im->cputype = (int)le32(d + 4);
    im->cpusubtype = (int)(le32(d + 8) & 0x00ffffffu);
    ncmds = le32(d + 16);
    sizeofcmds = le32(d + 20);
    if (sizeofcmds > n - 32 || ncmds > sizeofcmds / 8)
        return KPT_E_PARSE;
    for (i = 0; i < ncmds; i++) {
        uint32_t cmd, size;

        if (off + 8 > 32 + (size_t)sizeofcmds)
            return KPT_E_PARSE;
        cmd = le32(d + off);
        size = le32(d + off + 4);
        if (size < 8 || size > 32 + (size_t)sizeofcmds - off)
            return KPT_E_PARSE;
        if (cmd == LC_UUID) {
            if (size < 24)
                return KPT_E_PARSE;
            memcpy(im->uuid, d + off + 8, 16);
            im->has_uuid = 1;
        } else if (cmd == LC_SEGMENT_64) {
            struct macho_seg *s;

            if (size < 72)
                return KPT_E_PARSE;
            if (im->nseg < MACHO_MAX_SEGS) {
                s = &im->seg[im->nseg++];
                memcpy(s->name, d + off + 8, 16);
                s->name[16] = '\0';
                s->vmaddr = le64(d + off + 24);
                s->vmsize = le64(d + off + 32);
            }
        }
        off += size;
    }
    return 0;
}

int
macho_parse(const uint8_t *d, size_t n, struct macho_image *out, size_t max)
{
    uint32_t nfat, i;
    int k = 0, ret;

    if (n >= 4 && le32(d) == MH_MAGIC_64) {
        if (!max)
            return 0;
        return (ret = parse_thin(d, n, &out[0])) < 0 ? ret : 1;
    }
    if (n < 8 || be32(d) != FAT_MAGIC)
        return KPT_E_FORMAT;
    nfat = be32(d + 4);
    if (nfat > 64 || 8 + (size_t)nfat * 20 > n)
        return KPT_E_PARSE;
    for (i = 0; i < nfat && (size_t)k < max; i++) {
        const uint8_t *fa = d + 8 + (size_t)i * 20;
        uint32_t off = be32(fa + 8), size = be32(fa + 12);

        if (off > n || size > n - off)
            return KPT_E_PARSE;
        if (size < 4 || le32(d + off) != MH_MAGIC_64)
            continue; /* a 32-bit slice */
        if ((ret = parse_thin(d + off, size, &out[k])) < 0)
            return ret;
        k++;
    }
    return k;
}

/* read [off, off+n) of fd into a fresh buffer; NULL on a short read */
static uint8_t *
read_at(int fd, uint64_t off, size_t n)
{
    uint8_t *b = xmalloc(n ? n : 1);
    size_t got = 0;

    while (got < n) {
        ssize_t r = pread(fd, b + got, n - got, (off_t)(off + got));

        if (r <= 0) {
            free(b);
            return NULL;
        }
        got += (size_t)r;
    }
    return b;
}

/* the headers of a thin image at 'off': 32 bytes, then sizeofcmds */
static int
read_thin(int fd, uint64_t off, struct macho_image *im)
{
    uint8_t *h = read_at(fd, off, 32), *all;
    uint32_t sz;
    int ret;

    if (!h)
        return KPT_E_IO;
    if (le32(h) != MH_MAGIC_64) {
        free(h);
        return KPT_E_FORMAT;
    }
    sz = le32(h + 20);
    free(h);
    if (sz > MAX_CMDS_BYTES)
        return KPT_E_LIMIT;
    if (!(all = read_at(fd, off, 32 + (size_t)sz)))
        return KPT_E_IO;
    ret = parse_thin(all, 32 + (size_t)sz, im);
    free(all);
    return ret;
}

int
macho_read_file(const char *path, struct macho_image *out, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), ret = 0, k = 0;
    uint8_t *h = NULL;
    uint32_t nfat, i;

    if (fd < 0)
        return KPT_E_IO;
    if (!(h = read_at(fd, 0, 8))) {
        ret = KPT_E_FORMAT;
        goto out;
    }
    if (le32(h) == MH_MAGIC_64) {
        ret = max ? ((ret = read_thin(fd, 0, &out[0])) < 0 ? ret : 1) : 0;
        goto out;
    }
    if (be32(h) != FAT_MAGIC) {
        ret = KPT_E_FORMAT;
        goto out;
    }
    nfat = be32(h + 4);
    free(h);
    if (nfat > 64 || !(h = read_at(fd, 8, (size_t)nfat * 20))) {
        h = NULL;
        ret = KPT_E_PARSE;
        goto out;
    }
    for (i = 0; i < nfat && (size_t)k < max; i++)
        if (read_thin(fd, be32(h + (size_t)i * 20 + 8), &out[k]) == 0)
            k++;
    ret = k;
out:
    free(h);
    close(fd);
    return ret;
}

const struct macho_seg *
macho_seg_find(const struct macho_image *im, const char *name)
{
    size_t i;

    for (i = 0; i < im->nseg; i++)
        if (!strcmp(im->seg[i].name, name))
            return &im->seg[i];
    return NULL;
}
