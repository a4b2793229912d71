/*
 * test_report.c - escaping: Markdown, CSV (RFC 4180, formula neutralisation), UTF-8; and
 * a whole Markdown summary whose report text tries to break out; a message of several lines
 * shown whole, each line escaped.
 */
#include "tests/unit/testlib.h"

#include "report/rep.h"
#include "report/rep_int.h"

static void
test_md_escape(void **state)
{
    static const char *const cases[][2] = {
        { "a|b", "a\\|b" },
        { "`rm -rf /`", "\\`rm -rf /\\`" },
        { "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
        { "line1\nline2\r\tend", "line1 line2  end" },
        { "**bold** _em_ [link](x) ~~s~~",
          "\\*\\*bold\\*\\* \\_em\\_ \\[link\\](x) \\~\\~s\\~\\~" },
        { "a&b", "a&amp;b" },
        { "bad \xff utf8", "bad \xef\xbf\xbd utf8" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;

        rep_md_text(&b, cases[i][0], 0);
        assert_string_equal(b.data, cases[i][1]);
        buf_release(&b);
    }
    {
        struct buf b = BUF_INIT;

        rep_md_text(&b, "abcdef", 3);
        assert_string_equal(b.data, "abc\xe2\x80\xa6");
        buf_release(&b);
    }
}

static void
test_csv_cell(void **state)
{
    static const char *const cases[][2] = {
        { "plain", "plain" },
        { "a,b", "\"a,b\"" },
        { "say \"hi\"", "\"say \"\"hi\"\"\"" },
        { "two\nlines", "\"two\nlines\"" },
        { "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"" },
        { "+1", "\"'+1\"" },
        { "-2", "\"'-2\"" },
        { "@SUM(A1)", "\"'@SUM(A1)\"" },
        { "\tx", "\"'\tx\"" },
        { "", "" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;

        rep_csv_cell(&b, cases[i][0]);
        assert_string_equal(b.data, cases[i][1]);
        buf_release(&b);
    }
}

/* a summary whose every report-derived string is hostile stays one table row per cluster */
static void
test_markdown_injection(void **state)
{
    struct kpt_cluster c;
    struct kpt_summary s;
    static char rpath[] = "evil|name\n| injected | row |.panic",
                rwhy[] = "reason with `code` and <b>html</b>";
    static char f0[] = "kernel+0x10", f1[] = "com.evil|kext\n## heading!x";
    static char id[] = "0123456789abcdef",
                sig[] = "generic[a|b`c`<img src=x onerror=alert(1)>\n| x | y |]";
    static char cls[] = "generic", cul[] = "com.evil|kext", msg[] = "msg\n\n# not a heading",
                pq[] = "p|q";
    struct kpt_rejected rj = { rpath, rwhy };
    char *frames[] = { f0, f1 };
    FILE *f = tmpfile();
    size_t n, rows = 0;
    char *out, *line, *save = NULL;

    (void)state;
    memset(&c, 0, sizeof(c));
    memset(&s, 0, sizeof(s));
    c.id_hex = id;
    c.signature = sig;
    c.panic_class = cls;
    c.culprit = cul;
    c.message = msg;
    c.count = 1;
    c.rep_path = pq;
    c.rep_frames = frames;
    c.rep_nframes = 2;
    c.examples[0] = pq;
    c.nexamples = 1;
    kpt_hist_add(&c.builds, "21G83|x", 1);
    s.files = 2;
    s.ok = 1;
    s.rejected = 1;
    s.clusters = &c;
    s.nclusters = 1;
    s.rej = &rj;
    s.nrej = 1;
    s.algo = "test";
    assert_int_equal(rep_markdown(f, &s), 0);
    n = (size_t)ftell(f);
    rewind(f);
    out = calloc(1, n + 1);
    assert_int_equal(fread(out, 1, n, f), n);
    fclose(f);
    assert_null(strstr(out, "<img"));
    assert_null(strstr(out, "<b>"));
    assert_null(strstr(out, "\n## heading"));
    assert_null(strstr(out, "\n# not a heading"));
    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *p;
        size_t pipes = 0;

        if (strncmp(line, "| 1 |", 5))
            continue;
        rows++;
        for (p = line; *p; p++)
            if (*p == '|' && (p == line || p[-1] != '\\'))
                pipes++;
        assert_int_equal(pipes, 10); /* 9 cells */
    }
    assert_int_equal(rows, 1);
    kpt_hist_release(&c.builds);
    free(out);
}

/* issue 19's leftover: a multi-line panic message is shown whole, line by line, escaped */
static void
test_message_lines(void **state)
{
    static const char msg[] =
        "AOP PANIC - [EndpointAdapter.cpp:<n>] assert: <<hex>> <hex> - main(<n>) OUTBOX3 -\n"
        "user handlers:\n# not a heading\n- not an item\n12. not a list\n> not a quote\n"
        "<script>x</script> | `c` ends in \\\n"
        "RTKit: root@Jan <list>@<n>:<n>:<n>~.release - Client: iphone18aop:RELEASE:"
        "AppleSPUFirmwareBuilder-<n>.80.20~<n> and more text past the three hundred bytes a "
        "Markdown section shows of one line of text, which a message of several lines goes past";
    struct buf b = BUF_INIT;

    (void)state;
    assert_true(strlen(msg) > REP_CUT_TEXT);
    rep_md_lines(&b, msg, REP_CUT_ALL, "  ");
    print_message("%s\n", b.data);
    assert_non_null(strstr(b.data, "OUTBOX3 -\\\n  user handlers:\\\n  \\# not a heading\\\n"
                                   "  \\- not an item\\\n  12\\. not a list\\\n  \\&gt; not"));
    assert_non_null(strstr(b.data, "&lt;script&gt;x&lt;/script&gt; \\| \\`c\\` ends in \\\\\\\n"));
    assert_non_null(strstr(b.data, "goes past")); /* whole */
    assert_null(strstr(b.data, "\xe2\x80\xa6"));
    buf_reset(&b);
    rep_xml_lines(&b, msg, REP_CUT_ALL);
    assert_non_null(strstr(b.data, "OUTBOX3 -<br>user handlers:<br># not a heading<br>"));
    assert_non_null(strstr(b.data, "&lt;script&gt;x&lt;/script&gt;"));
    assert_non_null(strstr(b.data, "goes past"));
    assert_null(strchr(b.data, '\n'));
    buf_reset(&b);
    rep_md_lines(&b, msg, 40, "  "); /* a cap still cuts, and says so */
    assert_non_null(strstr(b.data, "\xe2\x80\xa6"));
    assert_null(strstr(b.data, "RTKit"));
    buf_release(&b);
}

/* f's text, from its start (f closed) */
static char *
slurp(FILE *f)
{
    size_t n = (size_t)ftell(f);
    char *out = calloc(1, n + 1);

    rewind(f);
    assert_int_equal(fread(out, 1, n, f), n);
    fclose(f);
    return out;
}

/* times 'what' occurs in s from 'from' to the end of its line */
static size_t
count_on_line(const char *s, const char *from, const char *what)
{
    const char *p = strstr(s, from), *end;
    size_t n = 0;

    assert_non_null(p);
    end = strchr(p, '\n');
    for (p = strstr(p, what); p && (!end || p < end); p = strstr(p + 1, what))
        n++;
    return n;
}

/* a cluster's details show as many values of a histogram in Markdown as on the page */
static void
test_details_cap(void **state)
{
    struct kpt_cluster c;
    struct kpt_summary s;
    static char id[] = "0123456789abcdef", sig[] = "generic[x]", cls[] = "generic", p[] = "a.panic";
    char v[32], *md, *html;
    FILE *f;
    size_t k, n = REP_DETAIL_VALUES + 4;

    (void)state;
    memset(&c, 0, sizeof(c));
    memset(&s, 0, sizeof(s));
    c.id_hex = id;
    c.signature = sig;
    c.panic_class = cls;
    c.count = n;
    c.rep_path = p;
    for (k = 0; k < n; k++) {
        snprintf(v, sizeof(v), "B%zu", k + 10);
        kpt_hist_add(&c.builds, v, 1);
    }
    s.files = s.ok = n;
    s.clusters = &c;
    s.nclusters = 1;
    s.algo = "test";
    assert_non_null(f = tmpfile());
    assert_int_equal(rep_markdown(f, &s), 0);
    md = slurp(f);
    assert_non_null(f = tmpfile());
    assert_int_equal(rep_html(f, &s), 0);
    html = slurp(f);
    /* Markdown: the shown values, then "others ×4"; the page: the shown values, then "…" */
    assert_int_equal(count_on_line(md, "- OS builds: ", "\xc3\x97"), REP_DETAIL_VALUES + 1);
    assert_int_equal(count_on_line(md, "- OS builds: ", "others \xc3\x97"), 1);
    assert_int_equal(count_on_line(html, "<dt>OS builds</dt>", "\xc3\x97"), REP_DETAIL_VALUES);
    assert_int_equal(count_on_line(html, "<dt>OS builds</dt>", "\xe2\x80\xa6"), 1);
    kpt_hist_release(&c.builds);
    free(md);
    free(html);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_escape),          cmocka_unit_test(test_csv_cell),
        cmocka_unit_test(test_markdown_injection), cmocka_unit_test(test_message_lines),
        cmocka_unit_test(test_details_cap),
    };

    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
