/*
 * rep_plot.c - an SVG bar chart of the top clusters (--plot). Report text is XML-escaped.
 */
#include <string.h>

#include "report/rep.h"
#include "report/rep_int.h"
#include "util/err.h"

#define TOP 10
#define LABEL_MAX 90

void
rep_plot_svg_buf(struct buf *out, const struct kpt_summary *s)
{
    struct buf b = BUF_INIT;
    size_t n = s->nclusters < TOP ? s->nclusters : TOP, i, max = 1;

    for (i = 0; i < n; i++)
        if (s->clusters[i].count > max)
            max = s->clusters[i].count;
    buf_addf(&b,
             REP_HEAD_SVG "\"http://www.w3.org/2000/svg\" width=\"1000\" height=\"%zu\" "
                          "font-family=\"sans-serif\" font-size=\"12\">\n",
             50 + n * 34);
    buf_addf(
        &b,
        "<text x=\"10\" y=\"22\" font-size=\"15\">Top %zu of %zu clusters (%zu reports)</text>\n",
        n, s->nclusters, KPT_TOTAL(s));
    for (i = 0; i < n; i++) {
        const struct kpt_cluster *c = &s->clusters[i];
        size_t y = 40 + i * 34, w = 1 + (size_t)(380.0 * (double)c->count / (double)max);

        buf_addf(&b, "<rect x=\"10\" y=\"%zu\" width=\"%zu\" height=\"22\" fill=\"#4a79b6\"/>\n", y,
                 w);
        buf_addf(&b, "<text x=\"%zu\" y=\"%zu\">%zu</text>\n", w + 16, y + 16, c->count);
        buf_addf(&b, "<text x=\"440\" y=\"%zu\"><title>", y + 16);
        rep_xml_text(&b, c->signature, REP_CUT_ALL);
        buf_adds(&b, "</title>");
        rep_xml_text(&b, c->signature, LABEL_MAX);
        buf_adds(&b, "</text>\n");
    }
    buf_adds(&b, "</svg>\n");
    buf_add(out, b.data, b.len);
    buf_release(&b);
}

int
rep_plot_svg(FILE *f, const struct kpt_summary *s)
{
    struct buf b = BUF_INIT;
    int ret;

    rep_plot_svg_buf(&b, s);
    ret = fwrite(b.data, 1, b.len, f) == b.len && !ferror(f) ? 0 : KPT_E_IO;
    buf_release(&b);
    return ret;
}
