/*
 * ing_pss_body.c - what an Intel Mac's macOSProcessedStackshotData holds: base64 of a
 * processed stackshot in text (read by ing_pss.c), or something else that is damage with
 * its reason, never a rejection: an empty value, base64 cut short or not base64 at all, a
 * placeholder sentence ("no on disk panic stackshot found in corefile"), binary kcdata.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "util/bytes.h"
#include "util/hex.h"
#include "util/buf.h"
#include "util/mem.h"

#define PLACEHOLDER_MAX 4096 /* a decoded text this short without a process is a sentence */
#define QUOTE_MAX 120        /* bytes of a placeholder quoted in the reason */

/*
 * The JSON string body raw[0..n) (escapes not decoded) as base64 into out: blanks and the
 * escapes \/ \n \r \t are read through. NULL when it decodes whole, "cut" when its digits
 * end short, "not base64" with *bad the offset of the first byte that is none.
 */
static const char *
b64_decode(const char *raw, size_t n, struct buf *out, size_t *bad)
{
    uint32_t acc = 0;
    size_t i, digits = 0, pad = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)raw[i];
        int d;

        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '\\' && i + 1 < n && raw[i + 1] && strchr("/nrt", raw[i + 1])) {
            if (raw[++i] != '/')
                continue;
            c = '/';
        }
        if (c == '=') {
            pad++;
            continue;
        }
        if ((d = base64_digit(c)) < 0 || pad) {
            *bad = i;
            return "not base64";
        }
        acc = acc << 6 | (uint32_t)d;
        if (++digits % 4 == 0) {
            buf_addc(out, (char)(acc >> 16));
            buf_addc(out, (char)(acc >> 8));
            buf_addc(out, (char)acc);
            acc = 0;
        }
    }
    if (digits % 4 == 2)
        buf_addc(out, (char)(acc >> 4));
    else if (digits % 4 == 3) {
        buf_addc(out, (char)(acc >> 10));
        buf_addc(out, (char)(acc >> 2));
    }
    if (digits % 4 == 1 || (digits % 4 && digits % 4 + pad != 4) || pad > 2)
        return "cut";
    return NULL;
}

/* the first bytes of a kcdata buffer (xnu's kcdata.h): a stackshot, a delta stackshot, a
 * compressed one, a crash info or an OS reason */
static int
is_kcdata(const unsigned char *d, size_t n)
{
    static const uint32_t magic[] = { 0x59a25807u, 0xde17a59au, 0x434f4d50u, 0xdeadf157u,
                                      0x53a20900u };
    uint32_t v;
    size_t i;

    if (n < 16)
        return 0;
    v = le32(d);
    for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
        if (v == magic[i])
            return 1;
    return 0;
}

/* a short sentence quoted for the reason: printable ASCII, blanks folded, cut */
static const char *
quote(struct arena *a, const unsigned char *d, size_t n)
{
    char q[QUOTE_MAX + 4];
    size_t i, k = 0;

    for (i = 0; i < n && k < QUOTE_MAX; i++) {
        char c = d[i] >= 0x20 && d[i] < 0x7f ? (char)d[i] : ' ';

        if (c == ' ' && (!k || q[k - 1] == ' '))
            continue;
        q[k++] = c;
    }
    while (k && q[k - 1] == ' ')
        k--;
    if (i < n)
        q[k++] = '.', q[k++] = '.', q[k++] = '.';
    return arena_strndup(a, q, k);
}

static int
has_process(const char *d, size_t n)
{
    return (n >= 8 && !memcmp(d, "Process:", 8)) || kpt_memmem(d, n, "\nProcess:", 9) != NULL;
}

static struct kpt_stackshot *
damaged(struct arena *a, const char *why)
{
    struct kpt_stackshot *ss = arena_alloc(a, sizeof(*ss));

    memset(ss, 0, sizeof(*ss));
    ss->damage = why;
    return ss;
}

struct kpt_stackshot *
ing_pss_from(const char *raw, size_t n, int cut, struct arena *a)
{
    struct buf b = BUF_INIT;
    struct kpt_stackshot *ss;
    const char *why;
    const unsigned char *d;
    size_t bad = SIZE_MAX, i;

    for (i = 0; i < n && (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\r' || raw[i] == '\t'); i++)
        ;
    if (i == n)
        return damaged(a, cut ? "macOSProcessedStackshotData is cut short before its first byte"
                              : "macOSProcessedStackshotData is empty");
    why = b64_decode(raw, n, &b, &bad);
    d = (const unsigned char *)(b.len ? b.data : "");
    if (bad != SIZE_MAX)
        ss = damaged(a,
                     arena_printf(a, "macOSProcessedStackshotData is not base64 (byte %zu)", bad));
    else if (is_kcdata(d, b.len))
        ss = damaged(
            a, "macOSProcessedStackshotData is binary kcdata (not read): no stackshot in text");
    /* the OS writes this text: a NUL in it is binary, where a report file's few NULs are
     * damage; otherwise the reports' rule */
    else if (memchr(d, 0, b.len) || ing_binary_head((const char *)d, b.len))
        ss = damaged(a, "macOSProcessedStackshotData is binary: no stackshot in text");
    else if (!b.len)
        ss = damaged(a, "macOSProcessedStackshotData decodes to nothing");
    else if (!cut && !why && b.len <= PLACEHOLDER_MAX && !has_process((const char *)d, b.len))
        ss = damaged(a,
                     arena_printf(a, "no stackshot but a placeholder: \"%s\"", quote(a, d, b.len)));
    else {
        ss = ing_pss_parse((const char *)d, b.len, a);
        if (cut || why)
            ss->damage = "macOSProcessedStackshotData: the base64 is cut short";
        else if (d[b.len - 1] != '\n')
            ss->damage =
                "macOSProcessedStackshotData: the text is cut short (its last line is incomplete)";
        else if (!ss->nprocs)
            ss->damage = "macOSProcessedStackshotData's text holds no process";
    }
    buf_release(&b);
    return ss;
}
