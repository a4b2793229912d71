/*
 * esc.c - the characters no output shows raw (see esc.h).
 */
#include "util/esc.h"

#include "util/buf.h"

size_t
esc_utf8_len(const unsigned char *s, size_t n)
{
    if (!n)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
            return 0; /* overlong, surrogate */
        return 3;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

size_t
esc_special(const unsigned char *p, size_t n, unsigned *cp)
{
    if (!n)
        return 0;
    if (p[0] < 0x20 || p[0] == 0x7f) {
        *cp = p[0];
        return 1;
    }
    if (n >= 2 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
        *cp = p[1];
        return 2;
    }
    if (n >= 3 && p[0] == 0xe2 && (p[1] == 0x80 || p[1] == 0x81) && (p[2] & 0xc0) == 0x80) {
        unsigned c = 0x2000 | ((unsigned)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);

        if (c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
            (c >= 0x2066 && c <= 0x2069)) {
            *cp = c;
            return 3;
        }
    }
    return 0;
}

void
esc_visible(struct buf *b, unsigned cp)
{
    if (cp < 0x80)
        buf_addf(b, "\\x%02x", cp);
    else
        buf_addf(b, "\\u%04x", cp);
}

void
esc_term(struct buf *b, const char *s, size_t len, size_t max)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len,
                        *stop = p + (len > max ? max : len);

    while (p < stop) {
        unsigned cp;
        size_t k = esc_special(p, (size_t)(end - p), &cp);

        if (k) {
            esc_visible(b, cp);
            p += k;
        } else if ((k = esc_utf8_len(p, (size_t)(end - p))) != 0) {
            buf_add(b, p, k);
            p += k;
        } else {
            buf_addf(b, "\\x%02x", *p++);
        }
    }
    if (p < end)
        buf_adds(b, "...");
}
