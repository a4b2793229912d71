/*
 * rep_plot.c - an SVG bar chart of the top clusters (--plot). Report text is XML-escaped.
 */
#include <string.h>

#include "report/rep.h"
#include "util/err.h"

#define TOP 10
#define LABEL_MAX 90

static void
xml(struct buf *b, const char *s, size_t max)
{
    struct buf u = BUF_INIT;
    size_t i, n;

    rep_utf8(&u, s);
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
            buf_adds(b, "&apos;");
        else if (c < 0x20 || c == 0x7f)
            buf_addc(b, ' ');
        else if (c == 0xef && i + 2 < n && (unsigned char)u.data[i + 1] == 0xbf &&
                 ((unsigned char)u.data[i + 2] & 0xfe) == 0xbe) {
            buf_adds(b, "\xef\xbf\xbd"); /* U+FFFE and U+FFFF are not XML characters */
            i += 2;
        }
        else
            buf_addc(b, (char)c);
    }
    if (n < u.len)
        buf_adds(b, "\xe2\x80\xa6");
    buf_release(&u);
}

int
rep_plot_svg(FILE *f, const struct kpt_summary *s)
{
    struct buf b = BUF_INIT;
    size_t n = s->nclusters < TOP ? s->nclusters : TOP, i, max = 1;
    int ret;

    for (i = 0; i < n; i++)
        if (s->clusters[i].count > max)
            max = s->clusters[i].count;
    buf_addf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" height=\"%zu\" "
                 "font-family=\"sans-serif\" font-size=\"12\">\n", 50 + n * 34);
    buf_addf(&b, "<text x=\"10\" y=\"22\" font-size=\"15\">Top %zu of %zu clusters (%zu reports)</text>\n",
             n, s->nclusters, KPT_TOTAL(s));
    for (i = 0; i < n; i++) {
        const struct kpt_cluster *c = &s->clusters[i];
        size_t y = 40 + i * 34, w = 1 + (size_t)(380.0 * (double)c->count / (double)max);

        buf_addf(&b, "<rect x=\"10\" y=\"%zu\" width=\"%zu\" height=\"22\" fill=\"#4a79b6\"/>\n", y, w);
        buf_addf(&b, "<text x=\"%zu\" y=\"%zu\">%zu</text>\n", w + 16, y + 16, c->count);
        buf_addf(&b, "<text x=\"440\" y=\"%zu\"><title>", y + 16);
        xml(&b, c->signature, 4096);
        buf_adds(&b, "</title>");
        xml(&b, c->signature, LABEL_MAX);
        buf_adds(&b, "</text>\n");
    }
    buf_adds(&b, "</svg>\n");
    ret = fwrite(b.data, 1, b.len, f) == b.len && !ferror(f) ? 0 : KPT_E_IO;
    buf_release(&b);
    return ret;
}
