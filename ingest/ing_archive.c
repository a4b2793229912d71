/*
 * ing_archive.c - archives read member by member through libarchive (zip, tar, cpio, 7z;
 * plain, gzip, bzip2, xz, zstd, lz4), and archives inside them to KPT_MAX_ARCHIVE_DEPTH.
 *
 * Members are streamed into memory, never extracted: a member's name is only shown
 * (escaped), never used as a path. Every byte decompressed counts against the archive's
 * total (lim->max_archive_bytes), each member against lim->max_file_bytes, and the members
 * against lim->max_members, so a bomb ends as a row with its reason, not as the run.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/longpath.h"
#include "util/xalloc.h"

#define NAME_MAX_SHOWN 1024u /* bytes of a member's name shown */

/* 1 when the first bytes may start an archive or a compressed stream libarchive reads */
static int
archive_magic(const unsigned char *d, size_t n)
{
    static const struct {
        size_t off, len;
        const char *m;
    } magic[] = {
        { 0, 2, "\x1f\x8b" },     { 0, 3, "BZh" },           { 0, 6, "\xfd" "7zXZ\0" },
        { 0, 4, "\x28\xb5\x2f\xfd" }, { 0, 4, "\x04\x22\x4d\x18" }, { 0, 4, "PK\x03\x04" },
        { 0, 4, "PK\x05\x06" },   { 0, 4, "PK\x07\x08" },    { 0, 6, "7z\xbc\xaf\x27\x1c" },
        { 0, 6, "070707" },       { 0, 6, "070701" },        { 0, 6, "070702" },
        { 0, 2, "\xc7\x71" },     { 0, 2, "\x71\xc7" },      { 257, 5, "ustar" },
    };
    size_t i;

    for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
        if (n >= magic[i].off + magic[i].len && !memcmp(d + magic[i].off, magic[i].m, magic[i].len))
            return 1;
    return 0;
}

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

static struct archive *
new_reader(int raw)
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
    if (archive_read_support_format_tar(a) != ARCHIVE_OK || archive_read_support_format_gnutar(a) != ARCHIVE_OK ||
        archive_read_support_format_zip(a) != ARCHIVE_OK || archive_read_support_format_cpio(a) != ARCHIVE_OK ||
        archive_read_support_format_7zip(a) != ARCHIVE_OK)
        goto fail;
    return a;
fail:
    archive_read_free(a);
    return NULL;
}

/* a member's name as shown: control bytes, backslashes and bytes that are no UTF-8 as
 * \xNN, cut at NAME_MAX_SHOWN bytes */
static void
add_name(struct buf *b, const char *name)
{
    const unsigned char *p = (const unsigned char *)(name ? name : ""), *end = p + strlen((const char *)p);
    size_t start = b->len;

    if (!*p) {
        buf_adds(b, "(no name)");
        return;
    }
    while (p < end) {
        size_t k = 0, i;

        if (b->len - start > NAME_MAX_SHOWN) {
            buf_adds(b, "...(name cut)");
            return;
        }
        if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
            buf_addc(b, (char)*p++);
            continue;
        }
        if (*p >= 0xc2 && *p <= 0xdf)
            k = 1;
        else if (*p >= 0xe0 && *p <= 0xef)
            k = 2;
        else if (*p >= 0xf0 && *p <= 0xf4)
            k = 3;
        for (i = 1; k && i <= k; i++)
            if (p + i >= end || (p[i] & 0xc0) != 0x80)
                k = 0;
        /* overlong three-byte forms and surrogates are no UTF-8 either */
        if (k == 2 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0)))
            k = 0;
        if (k == 3 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90)))
            k = 0;
        if (k) {
            buf_add(b, p, k + 1);
            p += k + 1;
        } else {
            buf_addf(b, "\\x%02x", *p++);
        }
    }
}

struct areader {
    const struct kpt_limits *lim;
    ing_member_fn *fn;
    void *ctx;
    struct ing_archive_stats *st;
    uint64_t total; /* bytes decompressed, every level */
    int stop;       /* the callback asked to stop */
};

static int read_archive(struct areader *ar, struct archive *a, struct buf *name, int depth, int raw);
static int nested_archive(const char *d, size_t n);

/* the kind of archive a is reading, for its row: "tar, gzip" */
static const char *
kind_of(struct archive *a, struct buf *out)
{
    int f = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK, i, n = archive_filter_count(a);

    buf_adds(out, f == ARCHIVE_FORMAT_TAR    ? "tar"
                  : f == ARCHIVE_FORMAT_ZIP  ? "zip"
                  : f == ARCHIVE_FORMAT_CPIO ? "cpio"
                  : f == ARCHIVE_FORMAT_7ZIP ? "7z"
                  : f == ARCHIVE_FORMAT_RAW  ? "compressed file"
                                             : "archive");
    for (i = 0; i + 1 < n; i++) /* the last filter is "none" */
        buf_addf(out, ", %s", archive_filter_name(a, i));
    return out->data;
}

static int
deliver(struct areader *ar, const char *path, const char *member, const void *data, size_t len,
        const char *why)
{
    struct ing_member m;

    m.path = path;
    m.member = member;
    m.data = data;
    m.len = len;
    m.why = why;
    if (ar->fn(&m, ar->ctx))
        ar->stop = 1;
    return ar->stop;
}

/* one member's bytes into b (NULL: counted, not kept), at most max_file_bytes kept; why it
 * was not read whole appended to err: a limit passed (0 returned, the rest read on without
 * keeping), or a read that failed (KPT_E_PARSE, *fatal when the archive cannot go on) */
static int
read_member(struct areader *ar, struct archive *a, struct buf *b, struct buf *err, int *fatal)
{
    char chunk[65536];

    for (;;) {
        la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));

        if (n == 0)
            return 0;
        if (n < 0) {
            *fatal = n == ARCHIVE_FATAL;
            return kpt_fail(err, KPT_E_PARSE, "%s", archive_error_string(a) ? archive_error_string(a) : "cannot be read");
        }
        ar->total += (uint64_t)n;
        if (ar->total > ar->lim->max_archive_bytes) {
            *fatal = 1;
            return kpt_fail(err, KPT_E_LIMIT, "over the archive size limit once decompressed (--max-archive-bytes; a bomb?)");
        }
        if (b && !err->len && buf_add(b, chunk, (size_t)n) < 0)
            kpt_fail(err, 0, "%s", b->oom ? "not enough memory to hold it"
                                          : "over the file size limit once decompressed (--max-file-bytes)");
        /* past the limit: read on without keeping, so the archive goes on (bounded by the
         * archive's total) */
    }
}

static int read_archive(struct areader *ar, struct archive *a, struct buf *name, int depth, int raw);

/* an archive inside (data, named 'name'): its members, named after it. 1 when it was one
 * (read, its damage a row of its own), 0 when it is none after all (a gzipped report: a
 * member), KPT_E_IO when the callback asked to stop */
static int
read_nested(struct areader *ar, const struct buf *data, struct buf *name, int depth)
{
    struct archive *in = new_reader(0);
    size_t before = ar->st->members;
    char *saved = ar->st->damage;
    int ir;

    if (!in || archive_read_open_memory(in, data->data, data->len) != ARCHIVE_OK) {
        archive_read_free(in);
        return 0;
    }
    ar->st->damage = NULL;
    ir = read_archive(ar, in, name, depth + 1, 0);
    archive_read_free(in);
    if (ir == KPT_E_FORMAT) {
        ar->st->damage = saved;
        ar->st->members = before; /* not an archive (a gzipped report): a member */
        return 0;
    }
    ar->st->nested++;
    if (ar->st->damage) { /* the inner archive's damage is its own row */
        struct buf w = BUF_INIT;

        buf_addf(&w, "an archive inside the archive, damaged after %zu members: %s",
                 ar->st->damage_after - before, ar->st->damage);
        if (!ar->stop)
            deliver(ar, name->data, NULL, NULL, 0, w.data);
        buf_release(&w);
        free(ar->st->damage);
    }
    ar->st->damage = saved;
    return ar->stop ? KPT_E_IO : 1;
}

static int
read_archive(struct areader *ar, struct archive *a, struct buf *name, int depth, int raw)
{
    struct archive_entry *e;
    struct buf data = BUF_INIT, why = BUF_INIT; /* why: a member's, when it was not read */
    size_t base = name->len, members = 0;
    int r, ret = 0;

    for (;;) {
        int fatal = 0;

        buf_reset(&why);
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            if (!members && !archive_format(a)) {
                ret = KPT_E_FORMAT; /* no archive at all */
                goto out;
            }
            ar->st->damage = xstrdup(archive_error_string(a) ? archive_error_string(a) : "damaged");
            ar->st->damage_after = ar->st->members;
            ret = KPT_E_PARSE;
            goto out;
        }
        if (!raw && archive_entry_filetype(e) != AE_IFREG) {
            /* directories, links, devices: nothing to read, but whatever data a crafted
             * one carries counts against the archive's total like a member's */
            if (read_member(ar, a, NULL, &why, &fatal) < 0 && fatal) {
                ar->st->damage = xstrdup(why.data);
                ar->st->damage_after = ar->st->members;
                ret = KPT_E_PARSE;
                goto out;
            }
            continue;
        }
        members++;
        if (++ar->st->members > ar->lim->max_members) {
            ar->st->damage = xstrdup("over the member limit (--max-members): the rest was not read");
            ar->st->damage_after = ar->st->members - 1;
            ret = KPT_E_LIMIT;
            goto out;
        }
        name->len = base;
        name->data[base] = '\0';
        if (!raw) {
            buf_addc(name, '!');
            add_name(name, archive_entry_pathname(e));
        }
        buf_reset(&data);
        data.max = ar->lim->max_file_bytes + 1 > ar->lim->max_file_bytes ? ar->lim->max_file_bytes + 1 : 0;
        if (archive_entry_is_encrypted(e))
            buf_adds(&why, "encrypted (password-protected): not read");
        else if (read_member(ar, a, &data, &why, &fatal) == 0 && !why.len && depth + 1 < KPT_MAX_ARCHIVE_DEPTH &&
                 nested_archive(data.data, data.len)) {
            int nr = read_nested(ar, &data, name, depth);

            if (nr < 0)
                goto out;
            if (nr > 0)
                continue;
        } else if (depth + 1 >= KPT_MAX_ARCHIVE_DEPTH && !why.len &&
                   archive_magic((const unsigned char *)data.data, data.len) &&
                   (data.len < 2 || (unsigned char)data.data[0] != 0x1f)) {
            buf_adds(&why, "an archive nested past the depth limit: not read");
        }
        if (deliver(ar, name->data, raw ? NULL : strrchr(name->data, '!') + 1, why.len ? NULL : data.data,
                    why.len ? 0 : data.len, why.len ? why.data : NULL))
            goto out;
        if (fatal) {
            ar->st->damage = xstrdup(why.data);
            ar->st->damage_after = ar->st->members;
            ret = KPT_E_PARSE;
            goto out;
        }
    }
out:
    name->len = base;
    name->data[base] = '\0';
    buf_release(&data);
    buf_release(&why);
    return ret;
}

/* 1 when the first bytes are a compressed stream's */
static int
compressed_magic(const unsigned char *d, size_t n)
{
    return n >= 4 && ((d[0] == 0x1f && d[1] == 0x8b) || !memcmp(d, "BZh", 3) || !memcmp(d, "\xfd" "7zXZ", 5) ||
                      !memcmp(d, "\x28\xb5\x2f\xfd", 4) || !memcmp(d, "\x04\x22\x4d\x18", 4));
}

/* what an archive is read from: a file (fd) or memory (fuzzing) */
struct src {
    int fd;
    const unsigned char *mem;
    size_t len;
};

static ssize_t
src_pread(const struct src *s, void *out, size_t n)
{
    if (s->fd >= 0)
        return pread(s->fd, out, n, 0);
    if (n > s->len)
        n = s->len;
    memcpy(out, s->mem, n);
    return (ssize_t)n;
}

/* 1 when the first bytes gzip decompresses to (from the file's first 64 KiB, so a stream
 * cut short still tells) are an archive's: a tar.gz, not a gzipped report */
static int
gzip_holds_archive(const struct src *src)
{
    unsigned char in[65536]; /* not static: readers on several threads (-j) */
    unsigned char out[512];
    z_stream z;
    ssize_t n = src_pread(src, in, sizeof(in));
    int holds;

    if (n <= 0)
        return 0;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        KPT_BUG("inflateInit2 failed");
    z.next_in = in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = sizeof(out);
    while (z.avail_out && inflate(&z, Z_NO_FLUSH) == Z_OK)
        ;
    holds = archive_magic(out, sizeof(out) - z.avail_out) && !compressed_magic(out, sizeof(out) - z.avail_out);
    inflateEnd(&z);
    return holds;
}

/* 1 when member bytes d[0..n) may be an archive (a gzipped member: when its stream starts
 * with one; a gzipped report is no archive, and needs no reader to tell) */
static int
nested_archive(const char *d, size_t n)
{
    struct src s = { -1, (const unsigned char *)d, n };

    if (!archive_magic(s.mem, n))
        return 0;
    return n >= 2 && s.mem[0] == 0x1f && s.mem[1] == 0x8b ? gzip_holds_archive(&s) : 1;
}

/* a new reader on src from its start: raw (a lone stream) or for archives */
static struct archive *
open_src(const struct src *src, int raw)
{
    struct archive *a;

    if ((src->fd >= 0 && lseek(src->fd, 0, SEEK_SET) < 0) || !(a = new_reader(raw)))
        return NULL;
    if ((src->fd >= 0 ? archive_read_open_fd(a, src->fd, 65536)
                      : archive_read_open_memory(a, src->mem, src->len)) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

static int
read_src(const struct src *src, const char *path, const struct kpt_limits *lim, ing_member_fn *fn,
         void *ctx, struct ing_archive_stats *st)
{
    unsigned char head[512];
    struct archive *a = NULL;
    struct archive_entry *e;
    struct areader ar;
    struct buf name = BUF_INIT, kind = BUF_INIT;
    ssize_t n;
    size_t got = 0;
    int ret = KPT_E_FORMAT, raw = 0;

    memset(&ar, 0, sizeof(ar));
    ar.lim = lim;
    ar.fn = fn;
    ar.ctx = ctx;
    ar.st = st;
    if ((n = src_pread(src, head, sizeof(head))) <= 0 || !archive_magic(head, (size_t)n))
        goto out;
    if (compressed_magic(head, (size_t)n)) {
        int gz = head[0] == 0x1f, inner = gz && gzip_holds_archive(src);

        if (gz && !inner)
            goto out; /* a gzipped report: the plain reader's, as before */
        /* what the stream holds decides: an archive, or one compressed file */
        if (!(a = open_src(src, 1)) || archive_read_next_header(a, &e) != ARCHIVE_OK) {
            /* the stream cannot be read even at its start (cut short, corrupt) */
            snprintf(st->kind, sizeof(st->kind), "%s", inner ? "tar, gzip" : "compressed file");
            st->damage = xstrdup(a && archive_error_string(a) ? archive_error_string(a)
                                                               : "its compressed stream is cut short or corrupt");
            st->raw = !inner;
            if (st->raw) /* a lone stream: its one row is the file's */
                deliver(&ar, path, NULL, NULL, 0, "compressed data cut short or corrupt (not even its start reads)");
            ret = KPT_E_PARSE;
            goto out;
        }
        while (got < sizeof(head)) {
            la_ssize_t k = archive_read_data(a, head + got, sizeof(head) - got);

            if (k <= 0)
                break;
            got += (size_t)k;
        }
        if (!archive_magic(head, got) || compressed_magic(head, got)) {
            archive_read_free(a);
            if (!(a = open_src(src, 1)))
                goto out;
            raw = 1; /* bzip2, xz, zstd, lz4 of one report */
        } else {
            archive_read_free(a);
            a = NULL;
        }
    }
    if (!a && !(a = open_src(src, 0)))
        goto out;
    buf_adds(&name, path);
    st->damage = NULL;
    ret = read_archive(&ar, a, &name, 0, raw);
    if (ret == KPT_E_FORMAT) { /* it said it was one: damaged from its first byte */
        st->damage = xstrdup(archive_error_string(a) ? archive_error_string(a) : "not readable as an archive");
        st->damage_after = 0;
        ret = KPT_E_PARSE;
    }
    st->raw = raw;
    kind_of(a, &kind);
    snprintf(st->kind, sizeof(st->kind), "%s", kind.data);
    if (ar.stop && !ret)
        ret = KPT_E_IO;
out:
    archive_read_free(a);
    buf_release(&name);
    buf_release(&kind);
    return ret;
}

int
ing_archive_read(const char *path, const struct kpt_limits *lim, ing_member_fn *fn, void *ctx,
                 struct ing_archive_stats *st)
{
    struct src src = { -1, NULL, 0 };
    struct stat sb;
    int ret;

    src.fd = lp_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (src.fd < 0)
        return KPT_E_FORMAT; /* the plain reader says why */
    if (fstat(src.fd, &sb) < 0 || !S_ISREG(sb.st_mode))
        ret = KPT_E_FORMAT;
    else
        ret = read_src(&src, path, lim, fn, ctx, st);
    close(src.fd);
    return ret;
}

int
ing_archive_read_mem(const void *data, size_t len, const char *name, const struct kpt_limits *lim,
                     ing_member_fn *fn, void *ctx, struct ing_archive_stats *st)
{
    struct src src = { -1, data, len };

    return read_src(&src, name, lim, fn, ctx, st);
}
