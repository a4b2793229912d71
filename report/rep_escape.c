/*
 * rep_escape.c - making untrusted text safe for each output.
 */
#include <ctype.h>
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"

/* length of the valid UTF-8 sequence at s, or 0 */
static size_t
utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
            return 0; /* overlong, surrogate */
        return 3;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

void
rep_utf8(struct buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");

    while (*p) {
        size_t n = utf8_len(p);

        if (!n) {
            buf_adds(out, "\xef\xbf\xbd");
            p++;
            continue;
        }
        buf_add(out, p, n);
        p += n;
    }
}

void
rep_md_text(struct buf *out, const char *s, size_t max)
{
    struct buf u = BUF_INIT;
    size_t i, n;

    rep_utf8(&u, s);
    n = u.len;
    if (max && n > max) {
        n = max;
        while (n && ((unsigned char)u.data[n] & 0xc0) == 0x80)
            n--;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u.data[i];

        if (c < 0x20 || c == 0x7f)
            buf_addc(out, ' ');
        else if (c == '<')
            buf_adds(out, "&lt;");
        else if (c == '>')
            buf_adds(out, "&gt;");
        else if (c == '&')
            buf_adds(out, "&amp;");
        else if (c == '_' && i > 0 && i + 1 < n && isalnum((unsigned char)u.data[i - 1]) &&
                 isalnum((unsigned char)u.data[i + 1]))
            buf_addc(out, '_'); /* inside a word: GFM never reads it as emphasis */
        else if (strchr("\\`*_[]|~", c)) {
            buf_addc(out, '\\');
            buf_addc(out, (char)c);
        }
        else
            buf_addc(out, (char)c);
    }
    if (n < u.len)
        buf_adds(out, "\xe2\x80\xa6");
    buf_release(&u);
}

void
rep_csv_cell(struct buf *out, const char *s)
{
    struct buf u = BUF_INIT;
    size_t i;
    int quote;

    rep_utf8(&u, s);
    quote = u.len && (strpbrk(u.data, ",\"\r\n") || u.data[0] == ' ' || u.data[u.len - 1] == ' ');
    if (u.len && strchr("=+-@\t\r", u.data[0]))
        quote = 1;
    if (quote)
        buf_addc(out, '"');
    if (u.len && strchr("=+-@\t\r", u.data[0]))
        buf_addc(out, '\'');
    for (i = 0; i < u.len; i++) {
        if (u.data[i] == '"')
            buf_addc(out, '"');
        buf_addc(out, u.data[i]);
    }
    if (quote)
        buf_addc(out, '"');
    buf_release(&u);
}

/* text for XML and HTML (element content and quoted attributes alike): the five special
 * characters as entities, control characters as spaces, U+FFFE/U+FFFF (no XML characters)
 * as U+FFFD, at most max bytes then an ellipsis */
void
rep_xml_text(struct buf *b, const char *s, size_t max)
{
    struct buf u = BUF_INIT;
    size_t i, n;

    rep_utf8(&u, s ? s : "");
    n = u.len;
    if (n > max) {
        n = max;
        while (n && ((unsigned char)u.data[n] & 0xc0) == 0x80)
            n--;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u.data[i];

        if (c == '&')
            buf_adds(b, "&amp;");
        else if (c == '<')
            buf_adds(b, "&lt;");
        else if (c == '>')
            buf_adds(b, "&gt;");
        else if (c == '"')
            buf_adds(b, "&quot;");
        else if (c == '\'')
            buf_adds(b, "&#39;");
        else if (c < 0x20 || c == 0x7f)
            buf_addc(b, ' ');
        else if (c == 0xef && i + 2 < n && (unsigned char)u.data[i + 1] == 0xbf &&
                 ((unsigned char)u.data[i + 2] & 0xfe) == 0xbe) {
            buf_adds(b, "\xef\xbf\xbd");
            i += 2;
        } else
            buf_addc(b, (char)c);
    }
    if (n < u.len)
        buf_adds(b, "\xe2\x80\xa6");
    buf_release(&u);
}
