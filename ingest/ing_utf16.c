/*
 * ing_utf16.c - UTF-16 text (as Console and some exporters save panic reports), with or
 * without a byte order mark, converted to UTF-8 with iconv before anything else reads it.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "util/err.h"

#define UTF16_SNIFF 512

enum ing_utf16 { NOT_UTF16 = 0, UTF16LE, UTF16BE };

/* UTF-16 by its BOM, or without one by the zero bytes of mostly ASCII text */
int
ing_utf16_kind(const char *d, size_t n, size_t *bom)
{
    size_t i, m = n < UTF16_SNIFF ? n & ~(size_t)1 : UTF16_SNIFF, zero_odd = 0, zero_even = 0;

    *bom = 0;
    if (n >= 2 && (unsigned char)d[0] == 0xff && (unsigned char)d[1] == 0xfe) {
        *bom = 2;
        return UTF16LE;
    }
    if (n >= 2 && (unsigned char)d[0] == 0xfe && (unsigned char)d[1] == 0xff) {
        *bom = 2;
        return UTF16BE;
    }
    if (m < 16)
        return NOT_UTF16;
    for (i = 0; i < m; i += 2) {
        zero_even += !d[i];
        zero_odd += !d[i + 1];
    }
    /* ASCII in UTF-16LE: every high (odd) byte zero, no low byte zero */
    if (zero_odd * 10 >= (m / 2) * 9 && zero_even * 10 <= m / 2)
        return UTF16LE;
    if (zero_even * 10 >= (m / 2) * 9 && zero_odd * 10 <= m / 2)
        return UTF16BE;
    return NOT_UTF16;
}

int
ing_utf16_to_utf8(const char *d, size_t n, int kind, size_t max, struct buf *out, size_t *bad)
{
    iconv_t cd = iconv_open("UTF-8", kind == UTF16BE ? "UTF-16BE" : "UTF-16LE");
    char chunk[65536];
    char *in = (char *)(uintptr_t)d;
    size_t left = n & ~(size_t)1;
    int ret = 0;

    *bad = n & 1; /* an odd byte at the end is half a code unit */
    if (cd == (iconv_t)-1)
        return KPT_E_FORMAT;
    while (left) {
        char *o = chunk;
        size_t room = sizeof(chunk);
        size_t rc = iconv(cd, &in, &left, &o, &room);
        int e = errno;

        if ((size_t)(o - chunk) + out->len > max) {
            ret = KPT_E_LIMIT;
            break;
        }
        buf_add(out, chunk, (size_t)(o - chunk));
        if (rc == (size_t)-1 && e == E2BIG)
            continue;
        if (rc == (size_t)-1 && (e == EILSEQ || e == EINVAL)) {
            /* a lone surrogate or a cut pair: one '?' for the two bytes */
            buf_addc(out, '?');
            (*bad)++;
            in += left >= 2 ? 2 : left;
            left -= left >= 2 ? 2 : left;
            continue;
        }
        if (rc == (size_t)-1) {
            ret = KPT_E_FORMAT;
            break;
        }
    }
    iconv_close(cd);
    return ret;
}
