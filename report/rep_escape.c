/*
 * rep_escape.c - making untrusted text safe for each output.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/esc.h"

void
rep_utf8(struct buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");

    while (*p) {
        size_t n = esc_utf8_len(p, strnlen((const char *)p, 4));

        if (!n) {
            buf_adds(out, "\xef\xbf\xbd");
            p++;
            continue;
        }
        buf_add(out, p, n);
        p += n;
    }
}

/* at u[i] (n bytes): a control or direction character, shown visibly (whitespace as a
 * space where 'blank' says so); its length, or 0 */
static size_t
visible(struct buf *out, const char *u, size_t i, size_t n, int blank)
{
    unsigned cp;
    size_t k = esc_special((const unsigned char *)u + i, n - i, &cp);

    if (!k)
        return 0;
    if (blank && (cp == '\t' || cp == '\n' || cp == '\r'))
        buf_addc(out, ' ');
    else
        esc_visible(out, cp);
    return k;
}

/* an email-address character of GFM's autolinks */
static int
email_char(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '+';
}

void
rep_md_text(struct buf *out, const char *s, size_t max)
{
    struct buf u = BUF_INIT;
    size_t i, n, k;

    rep_utf8(&u, s);
    n = u.len;
    if (max && n > max) {
        n = max;
        while (n && ((unsigned char)u.data[n] & 0xc0) == 0x80)
            n--;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u.data[i];

        if ((k = visible(out, u.data, i, n, 1)) != 0)
            i += k - 1;
        else if (c == '<')
            buf_adds(out, "&lt;");
        else if (c == '>')
            buf_adds(out, "&gt;");
        else if (c == '&')
            buf_adds(out, "&amp;");
        else if (c == '_' && i > 0 && i + 1 < n && isalnum((unsigned char)u.data[i - 1]) &&
                 isalnum((unsigned char)u.data[i + 1]))
            buf_addc(out, '_'); /* inside a word: GFM never reads it as emphasis */
        else if (strchr("\\`*_[]|~", c) ||
                 /* GFM's autolinks kept inert: "scheme://", "www.", "a@b.c" (an escaped
                  * character ends the text they are looked for in) */
                 (c == ':' && i + 2 < n && u.data[i + 1] == '/' && u.data[i + 2] == '/') ||
                 (c == '.' && i >= 3 && !strncasecmp(u.data + i - 3, "www", 3) &&
                  (i == 3 || !isalnum((unsigned char)u.data[i - 4]))) ||
                 (c == '@' && i > 0 && i + 1 < n && email_char((unsigned char)u.data[i - 1]) &&
                  email_char((unsigned char)u.data[i + 1]))) {
            buf_addc(out, '\\');
            buf_addc(out, (char)c);
        } else
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
        unsigned cp;
        size_t k = esc_special((const unsigned char *)u.data + i, u.len - i, &cp);

        if (k && cp != '\t' && cp != '\n' && cp != '\r') { /* line ends stay (quoted) */
            esc_visible(out, cp);
            i += k - 1;
            continue;
        }
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
        size_t k;

        if ((k = visible(b, u.data, i, n, 1)) != 0)
            i += k - 1;
        else if (c == '&')
            buf_adds(b, "&amp;");
        else if (c == '<')
            buf_adds(b, "&lt;");
        else if (c == '>')
            buf_adds(b, "&gt;");
        else if (c == '"')
            buf_adds(b, "&quot;");
        else if (c == '\'')
            buf_adds(b, "&#39;");
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

/* a Markdown table's framing: the header row and its separator */
void
rep_md_head(struct buf *b, const char *const *heads, const int *right, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        buf_addf(b, "%s%s", k ? " | " : "| ", heads[k]);
    buf_adds(b, " |\n|");
    for (k = 0; k < n; k++)
        buf_adds(b, right[k] ? "---:|" : "---|");
    buf_addc(b, '\n');
}

/* where a Markdown line that would start a block where a paragraph goes on (a heading, a
 * list item, a quote, a setext underline) takes a backslash, or SIZE_MAX */
static size_t
block_start(const char *s)
{
    size_t k = 0;

    if (s[0] && strchr("#-+>=", s[0]))
        return 0;
    while (isdigit((unsigned char)s[k]))
        k++;
    return k > 0 && k < 10 && (s[k] == '.' || s[k] == ')') ? k : SIZE_MAX;
}

/* each line of s into b by one (md: Markdown) within max bytes in all */
static void
lines(struct buf *b, const char *s, size_t max, const char *indent, int md)
{
    struct buf line = BUF_INIT;
    size_t used = 0, k;
    int first = 1;

    for (s = s ? s : "-";; first = 0) {
        size_t n = strcspn(s, "\n");

        if (used >= max) {
            buf_adds(b, "\xe2\x80\xa6"); /* lines past the cut */
            break;
        }
        buf_reset(&line);
        buf_add(&line, s, n);
        if (!first)
            buf_adds(b, md ? "\\\n" : "<br>");
        if (!first && md)
            buf_adds(b, indent);
        if (md && (k = block_start(line.data)) != SIZE_MAX) {
            buf_add(b, line.data, k); /* digits, or nothing */
            buf_addc(b, '\\');
            rep_md_text(b, line.data + k, max - used);
        } else if (md)
            rep_md_text(b, line.data, max - used);
        else
            rep_xml_text(b, line.data, max - used);
        used += n + 1;
        if (!s[n])
            break;
        s += n + 1;
    }
    buf_release(&line);
}

void
rep_md_lines(struct buf *b, const char *s, size_t max, const char *indent)
{
    lines(b, s, max, indent, 1);
}

void
rep_xml_lines(struct buf *b, const char *s, size_t max)
{
    lines(b, s, max, NULL, 0);
}
