/*
 * ing_parse.c - sniff the format by content (FORMATS.md §2), decompress gzip (§10), hand
 * the bytes to the right parser, then decide the report's status.
 */
#include <string.h>
#include <zlib.h>

#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/xalloc.h"

#define SNIFF_LINES 64
#define SNIFF_BYTES (64u << 10)
#define GZIP_LEVELS 2
#define ANCHOR_BYTES (1u << 20) /* where a panic text's anchor is looked for */

static int
has_prefix(const char *d, size_t n, const char *p)
{
    size_t k = strlen(p);

    return n >= k && !memcmp(d, p, k);
}

static const char *
memfind(const char *h, size_t hn, const char *needle)
{
    size_t n = strlen(needle);

    if (!n || hn < n)
        return NULL;
    return kpt_memmem(h, hn, needle, n);
}

/* gunzip into out (concatenated members included), at most 'max' bytes. Returns 0, 1 when
 * the data is cut short (what was decompressed is kept), or a negative error (why in err). */
static int
gunzip(const unsigned char *in, size_t inlen, size_t max, struct buf *out, struct buf *err)
{
    z_stream z;
    unsigned char chunk[65536];
    int zr, ret = 0;

    if (inlen > 0x7fffffffu)
        return kpt_fail(err, KPT_E_LIMIT, "file is over the file size limit");
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        KPT_BUG("inflateInit2 failed");
    z.next_in = (unsigned char *)(uintptr_t)in;
    z.avail_in = (uInt)inlen;
    for (;;) {
        size_t produced;

        z.next_out = chunk;
        z.avail_out = sizeof(chunk);
        zr = inflate(&z, Z_NO_FLUSH);
        produced = sizeof(chunk) - z.avail_out;
        if (out->len + produced > max) {
            ret = kpt_fail(err, KPT_E_LIMIT,
                           "decompressed size over the file size limit (gzip bomb?)");
            break;
        }
        if (buf_add(out, chunk, produced) < 0 && out->oom) {
            ret = kpt_fail(err, KPT_E_LIMIT, "not enough memory to decompress it");
            break;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_STREAM_END) {
            while (z.avail_in && !*z.next_in) { /* zero padding between members */
                z.next_in++;
                z.avail_in--;
            }
            if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
                inflateReset(&z);
                continue;
            }
            break; /* done; trailing garbage is ignored */
        }
        if (zr == Z_BUF_ERROR && !z.avail_in) {
            ret = 1; /* truncated */
            break;
        }
        ret = kpt_fail(err, KPT_E_PARSE, "gzip data is corrupt");
        break;
    }
    inflateEnd(&z);
    return ret;
}

/* position of a line holding a complete JSON header with "bug_type", or -1 */
static size_t
find_header(const char *d, size_t n)
{
    size_t i = 0, line;

    for (line = 0; line < SNIFF_LINES && i < n; line++) {
        const char *nl = memchr(d + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - d) : n, s = i;

        while (s < e && (d[s] == ' ' || d[s] == '\t'))
            s++;
        if (s < e && d[s] == '{' && memfind(d + s, e - s, "\"bug_type\"")) {
            size_t k = e;

            while (k > s && (d[k - 1] == '\r' || d[k - 1] == ' ' || d[k - 1] == '\t'))
                k--;
            if (k > s && d[k - 1] == '}')
                return s;
        }
        i = e + 1;
    }
    return (size_t)-1;
}

static int
looks_ips_body(const char *d, size_t n)
{
    static const char *const keys[] = { "\"build\" :", "\"product\" :", "\"kernel\" :",
                                        "\"panicString\" :", "\"macOSPanicString\" :" };
    size_t i, hits = 0;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (memfind(d, n, keys[i]))
            hits++;
    return hits >= 1;
}

static int
looks_panic_text(const char *d, size_t n)
{
    static const char *const anchors[] = {
        "panic(cpu ",      "Debugger message:",        "Kernel version:",
        "Backtrace (CPU ", "Panicked task ",           "lr: 0x",
        "Panic(CPU ",      "*** MCA Error Report ***", "Machine-check capabilities"
    };
    size_t i;

    if (n > SNIFF_BYTES)
        n = SNIFF_BYTES;
    for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++)
        if (memfind(d, n, anchors[i]))
            return 1;
    return 0;
}

/* A sanitized copy for the text grammar: NUL bytes become '?' (counted as damage); NULL
 * when memory runs out. */
static char *
nul_free_copy(struct arena *a, const char *d, size_t n, size_t *nuls)
{
    char *c = arena_try_strndup(a, d, n), *z;

    *nuls = 0;
    if (!c)
        return NULL;
    for (z = c; (z = memchr(z, '\0', n - (size_t)(z - c))); (*nuls)++)
        *z++ = '?';
    return c;
}

static void
set_status(struct kpt_report *r, struct arena *a)
{
    if (!KPT_READ(r))
        return;
    if (!r->panic_string && r->nframes)
        ing_set_partial(r, a, "starts mid-report: no panic line");
    if (r->truncated)
        ing_set_partial(r, a, "truncated: the report is cut short");
    if (!r->nframes)
        ing_set_partial(r, a, "no backtrace");
    if (!r->panic_string)
        ing_set_partial(r, a, "no panic message");
    if (r->damaged)
        ing_set_partial(r, a, "damaged: some content was dropped");
}

static int parse_level(const char *d, size_t n, const struct kpt_limits *lim, struct arena *a,
                       struct kpt_report *r, int level, uint8_t *digest, struct buf *err);

/* a decoded copy of the input (gunzipped, or UTF-16 made UTF-8), parsed one level down */
static int
parse_decoded(struct buf *out, const struct kpt_limits *lim, struct arena *a, struct kpt_report *r,
              int level, uint8_t *digest, struct buf *err)
{
    /* parsed where it is (parsers copy what they keep): no second copy of a large input */
    int ret = parse_level(out->data, out->len, lim, a, r, level + 1, digest, err);

    buf_release(out);
    return ret;
}

/* UTF-16 text made UTF-8, parsed one level down; code units that were no UTF-16 are damage */
static int
parse_utf16(const char *d, size_t n, int kind, const struct kpt_limits *lim, struct arena *a,
            struct kpt_report *r, int level, uint8_t *digest, struct buf *err)
{
    struct buf out = BUF_INIT;
    size_t bad = 0;
    int ret;

    if (level >= GZIP_LEVELS)
        return kpt_fail(err, KPT_E_FORMAT, "encodings nested too deeply");
    if ((ret = ing_utf16_to_utf8(d, n, kind, lim->max_file_bytes, &out, &bad)) < 0) {
        kpt_fail(err, ret, "%s",
                 ret == KPT_E_LIMIT ? "UTF-16 text over the file size limit once converted"
                                    : "UTF-16 text that iconv cannot convert");
        buf_release(&out);
        return ret;
    }
    ret = parse_decoded(&out, lim, a, r, level, digest, err);
    if (ret == 0 && bad) {
        r->damaged = 1;
        ing_set_partial(r, a, arena_printf(a, "damaged: %zu invalid UTF-16 code units", bad));
    }
    return ret;
}

/* digest: NULL once the text (the bytes under every gzip layer) has been digested; why an
 * input is refused goes to err (a reason set before, a partial one, may stand instead) */
static int
parse_level(const char *d, size_t n, const struct kpt_limits *lim, struct arena *a,
            struct kpt_report *r, int level, uint8_t *digest, struct buf *err)
{
    size_t off = 0, hdr, nuls = 0, bom, bin;
    const char *p;
    char *copy;
    int ret, kind;

    if (n > lim->max_file_bytes)
        return kpt_fail(err, KPT_E_LIMIT, "file is over the file size limit");
    if (n >= 2 && (unsigned char)d[0] == 0x1f && (unsigned char)d[1] == 0x8b) {
        struct buf out = BUF_INIT_MAX(lim->max_file_bytes); /* no memory: this input's error */
        int cut;

        if (level >= GZIP_LEVELS)
            return kpt_fail(err, KPT_E_FORMAT, "gzip nested too deeply");
        cut = gunzip((const unsigned char *)d, n, lim->max_file_bytes, &out, err);
        if (cut < 0) {
            buf_release(&out);
            return cut;
        }
        ret = parse_decoded(&out, lim, a, r, level, digest, err);
        if (cut && ret == 0) {
            r->truncated = 1;
            set_status(r, a);
        }
        return ret;
    }
    if (has_prefix(d, n, "bplist00")) {
        if (digest)
            ing_text_digest(d, n, digest);
        return ing_bplist_parse(d, n, lim, a, r, err);
    }
    if (has_prefix(d, n, "BZh") ||
        has_prefix(d, n,
                   "\xfd"
                   "7zXZ") ||
        has_prefix(d, n, "PK\x03\x04"))
        return kpt_fail(err, KPT_E_FORMAT,
                        "compressed with an unsupported method (only gzip is read)");
    if ((kind = ing_utf16_kind(d, n, &bom)))
        return parse_utf16(d + bom, n - bom, kind, lim, a, r, level, digest, err);
    if (has_prefix(d, n, "\xef\xbb\xbf"))
        off = 3;
    /* the identity is the text read (after gzip, UTF-16 and a byte order mark), so copies
     * in another encoding are the same report */
    if (digest)
        ing_text_digest(d + off, n - off, digest);
    if ((bin = ing_binary_head(d + off, n - off)) != 0)
        return kpt_fail(err, KPT_E_FORMAT,
                        "not a panic report (binary data: %zu NUL or control bytes in its "
                        "first KiB)",
                        bin);
    p = d + off;
    while (p < d + n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (has_prefix(p, (size_t)(d + n - p), "<?xml") ||
        has_prefix(p, (size_t)(d + n - p), "<!DOCTYPE plist") ||
        has_prefix(p, (size_t)(d + n - p), "<plist"))
        return ing_plist_parse(d + off, n - off, lim, a, r, err);

    if (!(copy = nul_free_copy(a, d + off, n - off, &nuls)))
        return kpt_fail(err, KPT_E_LIMIT, "not enough memory to hold it");
    n -= off;
    if ((hdr = find_header(copy, n)) != (size_t)-1) {
        const char *nl = memchr(copy + hdr, '\n', n - hdr);
        const char *other =
            ing_kind_bug_type(a, copy + hdr, nl ? (size_t)(nl - copy - hdr) : n - hdr);

        if (other) { /* a crash, a spin, ...: another kind of report (FORMATS.md §2) */
            r->status = KPT_ST_SKIPPED;
            return kpt_fail(err, KPT_E_FORMAT, "%s", other);
        }
        ret = ing_json_parse(copy, n, hdr, lim, a, r, err);
    } else if (memfind(copy, n, "{\"macOSProcessedStackshotData\"") ||
               (looks_ips_body(copy, n) && ing_body_has_anchor(copy, n))) {
        ret = ing_json_parse(copy, n, (size_t)-1, lim, a, r, err);
    } else if (looks_panic_text(copy, n) &&
               ing_text_has_anchor(copy, n < ANCHOR_BYTES ? n : ANCHOR_BYTES)) {
        ret = ing_text_parse(copy, n, lim, a, r);
        r->format = r->arch == KPT_ARCH_ARM64 ? KPT_FMT_ARM64_TEXT : KPT_FMT_INTEL_TEXT;
        if (ret == KPT_E_FORMAT && !r->error)
            kpt_fail(err, ret, "panic text without any recognisable field");
    } else if (looks_ips_body(copy, n) || looks_panic_text(copy, n)) {
        /* a report's field name without a report: a note, a build-info file, a binary */
        ret = kpt_fail(err, KPT_E_FORMAT,
                       "not a panic report (a report's field name, but no panic line, panic string "
                       "or backtrace)");
    } else {
        ret = kpt_fail(err, KPT_E_FORMAT,
                       "not a panic report (no known format or panic text anchor)");
    }
    if (ret == 0 && nuls) {
        r->damaged = 1;
        ing_set_partial(r, a, arena_printf(a, "damaged: %zu NUL bytes", nuls));
    }
    return ret;
}

int
ing_parse(const void *data, size_t len, const struct kpt_limits *lim, struct arena *a,
          struct kpt_report *r)
{
    uint8_t digest[16];
    struct buf err = BUF_INIT;
    int ret = parse_level(data, len, lim, a, r, 0, digest, &err);

    if (ret < 0) {
        /* the one place a refusal's reason becomes the report's (a partial reason given
         * before stands when the parser had nothing to add) */
        if (r->status != KPT_ST_SKIPPED)
            r->status = KPT_ST_REJECTED;
        if (err.len)
            r->error = arena_strndup(a, err.data, err.len);
        else if (!r->error)
            r->error = kpt_strerror(ret);
        buf_release(&err);
        return ret;
    }
    buf_release(&err);
    if (!r->hang && r->format != KPT_FMT_IPS) {
        /* a hang named by a report without a stackshot (text, plists): no site, and why
         * (an .ips body has decided already, with its stackshot) */
        const char *fb, *svc = ing_hang_service(a, r->panic_string, &fb);

        if (svc)
            ing_hang_choose(a, r, svc, fb);
    }
    ing_set_identity(a, r, digest);
    set_status(r, a);
    return 0;
}

int
ing_may_print_names(const void *data, size_t len)
{
    const char *p = data, *end = p + len, *q, *nl;

    size_t bom;

    /* compressed, binary or UTF-16: only parsing tells */
    if ((len >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b) ||
        (len >= 8 && !memcmp(p, "bplist00", 8)) || ing_utf16_kind(p, len, &bom))
        return 1;
    /* a frame " : 0xRET", then " : " again before the line ends (or a JSON "\n") */
    while ((q = kpt_memmem(p, (size_t)(end - p), " : 0x", 5))) {
        q += 5;
        nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl)
            nl = end;
        {
            const char *bs = kpt_memmem(q, (size_t)(nl - q), "\\n", 2);

            if (bs)
                nl = bs;
        }
        if (kpt_memmem(q, (size_t)(nl - q), " : ", 3))
            return 1;
        p = q;
    }
    return 0;
}
