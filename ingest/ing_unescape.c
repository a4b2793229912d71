/*
 * ing_unescape.c - JSON string bodies decoded leniently (see ing_int.h), for the .ips
 * reader and the stackshot reader.
 */
#include "ingest/ing_int.h"
#include "util/err.h"
#include "util/hex.h"

static void
put_utf8(struct buf *out, unsigned long cp)
{
    char u[4];

    if (cp < 0x80) {
        buf_addc(out, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        buf_add(out, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        buf_add(out, u, 3);
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        buf_add(out, u, 4);
    }
}

static int
hex4(const char *s, size_t n, unsigned long *v)
{
    size_t i;
    int d;

    *v = 0;
    if (n < 4)
        return KPT_E_PARSE;
    for (i = 0; i < 4; i++) {
        if ((d = hex_digit((unsigned char)s[i])) < 0)
            return KPT_E_PARSE;
        *v = *v << 4 | (unsigned long)d;
    }
    return 0;
}

int
ing_json_unescape(const char *s, size_t n, struct buf *out)
{
    size_t i = 0;

    while (i < n) {
        size_t start = i;

        while (i < n && s[i] != '\\' && s[i] != '\0')
            i++;
        if (buf_add(out, s + start, i - start) < 0)
            return KPT_E_LIMIT;
        if (i >= n)
            break;
        if (s[i] == '\0') {
            put_utf8(out, 0xfffd);
            i++;
            continue;
        }
        if (i + 1 >= n) {
            i++;
            break; /* a lone backslash at the end of a cut string */
        }
        switch (s[i + 1]) {
        case 'n':
            buf_addc(out, '\n');
            i += 2;
            break;
        case 't':
            buf_addc(out, '\t');
            i += 2;
            break;
        case 'r':
            buf_addc(out, '\r');
            i += 2;
            break;
        case 'b':
            buf_addc(out, '\b');
            i += 2;
            break;
        case 'f':
            buf_addc(out, '\f');
            i += 2;
            break;
        case '/':
            buf_addc(out, '/');
            i += 2;
            break;
        case '"':
            buf_addc(out, '"');
            i += 2;
            break;
        case '\\':
            buf_addc(out, '\\');
            i += 2;
            break;
        case 'u': {
            unsigned long cp, lo;

            if (hex4(s + i + 2, n - i - 2, &cp)) {
                buf_add(out, s + i, 2);
                i += 2;
                break;
            }
            i += 6;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' &&
                !hex4(s + i + 2, n - i - 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            } else if ((cp >= 0xd800 && cp < 0xe000) || cp == 0) {
                cp = 0xfffd;
            }
            put_utf8(out, cp);
            break;
        }
        default:
            /* not an escape: keep the backslash, read what follows as it is */
            buf_addc(out, '\\');
            i++;
        }
    }
    return out->max && out->len >= out->max ? KPT_E_LIMIT : 0;
}
