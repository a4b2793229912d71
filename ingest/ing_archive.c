/*
 * ing_archive.c - archives read member by member through libarchive (zip, tar, cpio, 7z;
 * plain, gzip, bzip2, xz, zstd, lz4), and archives inside them to KPT_MAX_ARCHIVE_DEPTH.
 *
 * Members are streamed into memory, never extracted: a member's name is only shown (the
 * outputs escape it), never used as a path. Every byte decompressed counts against the
 * archive's total (lim->max_archive_bytes), and the members against lim->max_members, so a
 * bomb ends as a row with its reason, not as the run. A member is decompressed to
 * lim->max_file_bytes and no further (one whose header declares more, not at all); when
 * the members after it can only be reached by decompressing it (a tar.gz, a 7z), the
 * archive stops there, saying so. Links are delivered as what they link to, never read.
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

#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/longpath.h"
#include "util/xalloc.h"

#define NAME_MAX_SHOWN 1024u /* bytes of a member's name shown */

/* a member's name in its row's path: its bytes as they are (the outputs escape them as they
 * do any file's name), cut at NAME_MAX_SHOWN bytes on a character's start */
static void
add_name(struct buf *b, const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (!n) {
        buf_adds(b, "(no name)");
        return;
    }
    if (n <= NAME_MAX_SHOWN) {
        buf_add(b, name, n);
        return;
    }
    n = NAME_MAX_SHOWN;
    while (n && ((unsigned char)name[n] & 0xc0) == 0x80)
        n--;
    buf_add(b, name, n);
    buf_adds(b, "...(name cut)");
}

/* libarchive's message for a, one line (its messages may end in a newline) */
static int
la_fail(struct buf *err, struct archive *a, int code, const char *none)
{
    const char *m = archive_error_string(a) ? archive_error_string(a) : none;
    size_t n = strcspn(m, "\r\n");

    while (n && (m[n - 1] == ' ' || m[n - 1] == '.'))
        n--;
    return kpt_fail(err, code, "%.*s", (int)n, n ? m : none);
}

struct areader {
    const struct kpt_limits *lim;
    ing_member_fn *fn;
    void *ctx;
    struct ing_archive_stats *st;
    uint64_t total; /* bytes decompressed, every level */
    int stop;       /* the callback asked to stop */
};

static int read_archive(struct areader *ar, struct archive *a, struct buf *name, int depth,
                        int raw);

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

    memset(&m, 0, sizeof(m));
    m.path = path;
    m.member = member;
    m.data = data;
    m.len = len;
    m.why = why;
    if (ar->fn(&m, ar->ctx))
        ar->stop = 1;
    return ar->stop;
}

/* 1 when the members after one left unread are reached without decompressing it: a plain
 * tar or cpio (seeked past), a zip (each member compressed apart, its size known) */
static int
cheap_skip(struct archive *a)
{
    int f = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;

    return f == ARCHIVE_FORMAT_ZIP || (archive_filter_count(a) <= 1 && f != ARCHIVE_FORMAT_7ZIP);
}

/* one member's bytes into b (NULL: counted, not kept), at most max_file_bytes. Why it was
 * not read whole goes to err, one reason, the first cause: KPT_E_LIMIT for the file size
 * limit (reading stopped there, *cut set: its header declared more, or it decompressed to
 * more) or memory, KPT_E_PARSE for more bytes than its header declared or a read that
 * failed (*fatal when the archive cannot go on) */
static int
read_member(struct areader *ar, struct archive *a, struct archive_entry *e, struct buf *b,
            struct buf *err, int *fatal, int *cut)
{
    char chunk[65536];
    uint64_t got = 0, max = ar->lim->max_file_bytes;
    uint64_t declared = archive_entry_size_is_set(e) && archive_entry_size(e) >= 0
                            ? (uint64_t)archive_entry_size(e)
                            : UINT64_MAX;

    *cut = 0;
    if (declared != UINT64_MAX && declared > max) {
        *cut = 1;
        return kpt_fail(err, KPT_E_LIMIT,
                        "its header declares %llu bytes: over the file size limit "
                        "(--max-file-bytes), not decompressed",
                        (unsigned long long)declared);
    }
    for (;;) {
        la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));

        if (n == 0)
            return 0;
        if (n < 0) {
            *fatal = n == ARCHIVE_FATAL;
            return la_fail(err, a, KPT_E_PARSE, "cannot be read");
        }
        got += (uint64_t)n;
        ar->total += (uint64_t)n;
        if (got > declared) {
            *fatal = 1; /* the archive's sizes lie: nothing after it is trusted */
            return kpt_fail(err, KPT_E_PARSE,
                            "holds more than the %llu bytes its header declares "
                            "(a corrupt or crafted archive)",
                            (unsigned long long)declared);
        }
        if (ar->total > ar->lim->max_archive_bytes) {
            *fatal = 1;
            return kpt_fail(
                err, KPT_E_LIMIT,
                "over the archive size limit once decompressed (--max-archive-bytes; a bomb?)");
        }
        if (got > max) {
            *cut = 1;
            return kpt_fail(err, KPT_E_LIMIT,
                            "over the file size limit once decompressed (--max-file-bytes): "
                            "decompression stopped there");
        }
        if (b && buf_add(b, chunk, (size_t)n) < 0)
            return kpt_fail(err, KPT_E_LIMIT, "not enough memory to hold it");
    }
}

static int read_archive(struct areader *ar, struct archive *a, struct buf *name, int depth,
                        int raw);

/* the archive's damage, when it has none yet: why (copied), after 'after' members */
static void
set_damage(struct areader *ar, const char *why, size_t after)
{
    if (ar->st->damage)
        return;
    ar->st->damage = xstrdup(why);
    ar->st->damage_after = after;
}

static ssize_t
mem_read_at(const void *ctx, void *out, size_t n, uint64_t off)
{
    const struct buf *b = ctx;

    if (off > b->len)
        return -1; /* -1: as pread(2) (ing_read_at_fn) */
    if (n > b->len - off)
        n = (size_t)(b->len - off);
    memcpy(out, b->data + off, n);
    return (ssize_t)n;
}

/* a zip's central directory naming a member twice over one header: the archive's damage */
static void
check_zip(struct areader *ar, struct archive *a, ing_read_at_fn *rd, const void *ctx, uint64_t len)
{
    struct buf w = BUF_INIT;
    char *dup;

    if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP || ar->st->damage)
        return;
    if (!(dup = ing_zip_shared_entry(rd, ctx, len)))
        return;
    buf_adds(&w, "corrupt central directory: its entry '");
    add_name(&w, dup);
    buf_adds(&w, "' points at the local header of another entry (one of them cannot be read)");
    set_damage(ar, w.data, ar->st->members);
    buf_release(&w);
    free(dup);
}

/* an archive inside (data, named 'name'): its members, named after it. 1 when it was one
 * (read, its damage a row of its own), 0 when it is none after all (a gzipped report: a
 * member), KPT_E_IO when the callback asked to stop */
static int
read_nested(struct areader *ar, const struct buf *data, struct buf *name, int depth)
{
    struct archive *in = ing_archive_reader(0);
    size_t before = ar->st->members;
    char *saved = ar->st->damage;
    int ir;

    if (!in || archive_read_open_memory(in, data->data, data->len) != ARCHIVE_OK) {
        archive_read_free(in);
        return 0;
    }
    ar->st->damage = NULL;
    ir = read_archive(ar, in, name, depth + 1, 0);
    if (ir != KPT_E_FORMAT)
        check_zip(ar, in, mem_read_at, data, data->len);
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

/* a hard or symbolic link member: its row says what it links to (nothing is read) */
static int
deliver_link(struct areader *ar, struct archive_entry *e, const char *path, size_t base)
{
    struct ing_member m;
    const char *hard = archive_entry_hardlink(e);

    memset(&m, 0, sizeof(m));
    m.path = path;
    m.member = path + base + 1; /* after "ARCHIVE!": a '!' of the member's own name stays */
    m.link = hard ? hard : archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
    m.hard_link = hard != NULL;
    if (ar->fn(&m, ar->ctx))
        ar->stop = 1;
    return ar->stop;
}

/* the next member's name in name (after base) */
static void
member_name(struct buf *name, size_t base, struct archive_entry *e, int raw)
{
    name->len = base;
    name->data[base] = '\0';
    if (!raw) {
        buf_addc(name, '!');
        add_name(name, archive_entry_pathname(e));
    }
}

/* one regular member read, delivered (or read as an archive inside); 1 when the archive
 * ends here (damage set, or the callback asked to stop) */
static int
one_member(struct areader *ar, struct archive *a, struct archive_entry *e, struct buf *name,
           size_t base, int depth, int raw, struct buf *data, struct buf *why)
{
    int fatal = 0, cut = 0;

    buf_reset(data);
    data->max =
        ar->lim->max_file_bytes + 1 > ar->lim->max_file_bytes ? ar->lim->max_file_bytes + 1 : 0;
    if (archive_entry_is_encrypted(e))
        buf_adds(why, "encrypted (password-protected): not read");
    else
        read_member(ar, a, e, data, why, &fatal, &cut);
    if (!why->len && depth + 1 < KPT_MAX_ARCHIVE_DEPTH &&
        ing_nested_archive(data->data, data->len)) {
        int nr = read_nested(ar, data, name, depth);

        if (nr < 0)
            return 1;
        if (nr > 0)
            return 0;
    } else if (depth + 1 >= KPT_MAX_ARCHIVE_DEPTH && !why->len &&
               ing_archive_magic((const unsigned char *)data->data, data->len) &&
               (data->len < 2 || (unsigned char)data->data[0] != 0x1f)) {
        buf_adds(why, "an archive nested past the depth limit: not read");
    }
    if (deliver(ar, name->data, raw ? NULL : name->data + base + 1, why->len ? NULL : data->data,
                why->len ? 0 : data->len, why->len ? why->data : NULL))
        return 1;
    if (fatal) {
        set_damage(ar, why->data, ar->st->members);
        return 1;
    }
    if (cut && !raw && !cheap_skip(a)) {
        /* the members after it lie behind it in one stream: reaching them would mean
         * decompressing what the limit refused */
        struct buf w = BUF_INIT;

        buf_adds(&w, "the rest was not read: member '");
        add_name(&w, archive_entry_pathname(e));
        buf_adds(&w, "' is over the file size limit (--max-file-bytes), and what follows it in the "
                     "compressed stream is not decompressed past it");
        set_damage(ar, w.data, ar->st->members);
        buf_release(&w);
        return 1;
    }
    return 0;
}

static int
read_archive(struct areader *ar, struct archive *a, struct buf *name, int depth, int raw)
{
    struct archive_entry *e;
    struct buf data = BUF_INIT, why = BUF_INIT; /* why: a member's, when it was not read */
    size_t base = name->len, members = 0;
    int r, ret = 0;

    for (;;) {
        int fatal = 0, cut, link;

        buf_reset(&why);
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            if (!members && !archive_format(a)) {
                ret = KPT_E_FORMAT; /* no archive at all */
                goto out;
            }
            la_fail(&why, a, 0, "damaged");
            set_damage(ar, why.data, ar->st->members);
            ret = KPT_E_PARSE;
            goto out;
        }
        link = !raw && (archive_entry_hardlink(e) || archive_entry_filetype(e) == AE_IFLNK);
        if (!raw && !link && archive_entry_filetype(e) != AE_IFREG) {
            /* directories, devices: nothing to read, but whatever data a crafted one
             * carries counts against the archive's total like a member's */
            if (read_member(ar, a, e, NULL, &why, &fatal, &cut) < 0 && (fatal || !cheap_skip(a))) {
                set_damage(ar, why.data, ar->st->members);
                ret = KPT_E_PARSE;
                goto out;
            }
            continue;
        }
        members++;
        if (++ar->st->members > ar->lim->max_members) {
            set_damage(ar, "over the member limit (--max-members): the rest was not read",
                       ar->st->members - 1);
            ret = KPT_E_LIMIT;
            goto out;
        }
        member_name(name, base, e, raw);
        if (link ? deliver_link(ar, e, name->data, base)
                 : one_member(ar, a, e, name, base, depth, raw, &data, &why)) {
            if (ar->st->damage && !ar->stop)
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

/* what an archive is read from: a file (fd) or memory (fuzzing) */
struct src {
    int fd;
    const unsigned char *mem;
    size_t len;
};

static ssize_t
src_read_at(const void *ctx, void *out, size_t n, uint64_t off)
{
    const struct src *s = ctx;
    size_t got = 0;

    if (s->fd < 0) {
        if (off > s->len)
            return -1; /* -1: as pread(2) (ing_read_at_fn) */
        if (n > s->len - off)
            n = (size_t)(s->len - off);
        memcpy(out, s->mem + off, n);
        return (ssize_t)n;
    }
    while (got < n) {
        ssize_t k = pread(s->fd, (char *)out + got, n - got, (off_t)(off + got));

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return got ? (ssize_t)got : k;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

static ssize_t
src_pread(const struct src *s, void *out, size_t n)
{
    return src_read_at(s, out, n, 0);
}

/* 1 when the gzip stream at the start of src holds an archive (a tar.gz) */
static int
gzip_holds_archive(const struct src *src)
{
    unsigned char in[65536]; /* not static: readers on several threads (-j) */
    ssize_t n = src_pread(src, in, sizeof(in));

    return n > 0 && ing_gzip_holds_archive(in, (size_t)n);
}

/* a new reader on src from its start: raw (a lone stream) or for archives */
static struct archive *
open_src(const struct src *src, int raw)
{
    struct archive *a;

    if ((src->fd >= 0 && lseek(src->fd, 0, SEEK_SET) < 0) || !(a = ing_archive_reader(raw)))
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
    if ((n = src_pread(src, head, sizeof(head))) <= 0 || !ing_archive_magic(head, (size_t)n))
        goto out;
    if (ing_compressed_magic(head, (size_t)n)) {
        int gz = head[0] == 0x1f, inner = gz && gzip_holds_archive(src);

        if (gz && !inner)
            goto out; /* a gzipped report: the plain reader's, as before */
        /* what the stream holds decides: an archive, or one compressed file */
        if (!(a = open_src(src, 1)) || archive_read_next_header(a, &e) != ARCHIVE_OK) {
            /* the stream cannot be read even at its start (cut short, corrupt, or a window
             * over the decoder's limit) */
            char wb[160];
            const char *why = ing_stream_damage(head, (size_t)n, wb, sizeof(wb));
            struct buf w = BUF_INIT;

            snprintf(st->kind, sizeof(st->kind), "%s", inner ? "tar, gzip" : "compressed file");
            if (!why && a)
                la_fail(&w, a, 0, "its compressed stream is cut short or corrupt");
            st->damage = xstrdup(why     ? why
                                 : w.len ? w.data
                                         : "its compressed stream is cut short or corrupt");
            buf_release(&w);
            st->raw = !inner;
            if (st->raw) /* a lone stream: its one row is the file's */
                deliver(&ar, path, NULL, NULL, 0,
                        why ? why
                            : "compressed data cut short or corrupt (not even its start reads)");
            ret = KPT_E_PARSE;
            goto out;
        }
        while (got < sizeof(head)) {
            la_ssize_t k = archive_read_data(a, head + got, sizeof(head) - got);

            if (k <= 0)
                break;
            got += (size_t)k;
        }
        if (!ing_archive_magic(head, got) || ing_compressed_magic(head, got)) {
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
        struct buf w = BUF_INIT;

        la_fail(&w, a, 0, "not readable as an archive");
        st->damage = xstrdup(w.data);
        st->damage_after = 0;
        buf_release(&w);
        ret = KPT_E_PARSE;
    } else if (!ar.stop) {
        struct stat sb;
        uint64_t len =
            src->fd >= 0 ? (fstat(src->fd, &sb) == 0 ? (uint64_t)sb.st_size : 0) : src->len;

        check_zip(&ar, a, src_read_at, src, len);
        if (st->damage && !ret)
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
