/*
 * test_kind.c - what is no panic report: anchors against look-alikes (issue 20 item 10),
 * other kinds of report by bug_type and by name, archive members by name, and the archive
 * reader's names and limits on archives built here in memory.
 */
#include "testlib.h"

#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "util/err.h"

static int
anchor(const char *s)
{
    return ing_text_has_anchor(s, strlen(s));
}

static void
test_anchors(void **state)
{
    (void)state;
    /* a report's anchors and its known variants */
    assert_true(anchor("panic(cpu 0 caller 0xffffff8000201000): \"x\"\n"));
    assert_true(anchor("Panic(CPU 4): NMIPI for spinlock acquisition timeout\n"));
    assert_true(anchor("x\nDebugger message: panic\n"));
    assert_true(anchor("Backtrace (CPU 0), Frame : Return Address\n"));
    assert_true(anchor("Panicked task 0xffffffe: 228 threads: pid 0: kernel_task\n"));
    assert_true(anchor("*** MCA Error Report ***\n"));
    assert_true(anchor("Kernel version:\nDarwin Kernel Version 21.6.0: x\nKernel UUID: "
                       "33C3\nKernel slide: 0x0\n"));
    /* look-alikes: one field name is no report */
    assert_false(anchor("Our build farm\nKernel version: Darwin 23.1.0\nUptime: 3 days\n"));
    assert_false(anchor("{\n  \"build\" : \"1.4.2\",\n  \"product\" : \"kptrace\"\n}\n"));
    assert_false(anchor("The report said \"product\" : \"MacBookPro18,1\"\n"));
    {
        const char *b1 = "\"build\" : \"1\", \"kernel\" :", *b2 = "\"panicString\" : \"x\"";

        assert_false(ing_body_has_anchor(b1, strlen(b1)));
        assert_true(ing_body_has_anchor(b2, strlen(b2)));
    }
}

static void
test_bug_types(void **state)
{
    struct arena *a = arena_new(4096);
    const char *h1 = "{\"bug_type\":\"309\",\"os_version\":\"macOS 14.0\"}";
    const char *h2 = "{\"bug_type\" : 210}";
    const char *h3 = "{\"os_version\":\"x\",\"bug_type\":288}";
    const char *h4 = "{\"bug_type\":\"abc\"}";

    (void)state;
    assert_non_null(strstr(ing_kind_bug_type(a, h1, strlen(h1)), "309 (a crash report)"));
    assert_null(ing_kind_bug_type(a, h2, strlen(h2)));
    assert_non_null(strstr(ing_kind_bug_type(a, h3, strlen(h3)), "288"));
    assert_null(ing_kind_bug_type(a, h4, strlen(h4))); /* ing_json says what is wrong */
    arena_free(a);
}

static void
test_names(void **state)
{
    (void)state;
    assert_non_null(ing_kind_by_name("/r/Finder_2024.crash"));
    assert_non_null(ing_kind_by_name("d/WindowServer.spin"));
    assert_non_null(ing_kind_by_name("d/.DS_Store"));
    assert_null(ing_kind_by_name("d/Kernel-2024.panic"));
    assert_null(ing_kind_by_name("d/crash-notes.txt"));
    assert_true(ing_name_looks_report("crashes_and_spins/panic-full-2024.ips"));
    assert_true(ing_name_looks_report("x/Safari.hang"));
    assert_false(ing_name_looks_report("logs/system.log"));
    assert_false(ing_name_looks_report("__MACOSX/._panic-full.ips"));
    assert_false(ing_name_looks_report("a/.DS_Store"));
}

/* a ustar archive in memory: one member per (name, data) pair */
static size_t
add_tar(unsigned char *out, const char *name, const char *data)
{
    unsigned char *h = out;
    size_t n = strlen(data), i, sum = 0;

    memset(h, 0, 512);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 99);
    memcpy(h + 100, "0000644", 7);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)n);
    memcpy(h + 136, "00000000000", 11);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", (unsigned)(sum & 0777777));
    memset(out + 512, 0, (n + 511) / 512 * 512);
    memcpy(out + 512, data, n);
    return 512 + (n + 511) / 512 * 512;
}

struct got {
    char paths[8][256];
    const char *why[8];
    size_t n;
};

static int
collect(const struct ing_member *m, void *ctx)
{
    struct got *g = ctx;

    if (g->n < 8) {
        snprintf(g->paths[g->n], sizeof(g->paths[0]), "%s", m->path);
        g->why[g->n] = m->why ? "why" : NULL;
        g->n++;
    }
    return 0;
}

static void
test_archive_names_and_limits(void **state)
{
    static unsigned char tar[16384];
    struct kpt_limits lim;
    struct ing_archive_stats st;
    struct got g;
    size_t n = 0;

    (void)state;
    n += add_tar(tar + n, "../up\x1b[1m.panic", "panic(cpu 0 caller 0x1): x\n");
    n += add_tar(tar + n, "bad\xff.ips", "x");
    n += add_tar(tar + n, "big.panic", "0123456789012345678901234567890123456789");
    n += add_tar(tar + n, "more.log", "y");
    memset(tar + n, 0, 1024);
    n += 1024;
    kpt_limits_default(&lim);
    lim.max_file_bytes = 30;
    lim.max_members = 3;
    memset(&st, 0, sizeof(st));
    memset(&g, 0, sizeof(g));
    assert_int_equal(ing_archive_read_mem(tar, n, "t.tar", &lim, collect, &g, &st), KPT_E_LIMIT);
    assert_int_equal(g.n, 3);
    /* a name's bytes as they are: the outputs escape them as any path's (issue 30, 11) */
    assert_string_equal(g.paths[0], "t.tar!../up\x1b[1m.panic");
    assert_null(g.why[0]);
    assert_string_equal(g.paths[1], "t.tar!bad\xff.ips");
    assert_non_null(g.why[2]); /* over 30 bytes */
    assert_non_null(strstr(st.damage, "member limit"));
    assert_string_equal(st.kind, "tar");
    free(st.damage);
    /* not an archive: no call, and the plain reader's */
    memset(&st, 0, sizeof(st));
    memset(&g, 0, sizeof(g));
    assert_int_equal(ing_archive_read_mem("panic(cpu 0", 11, "p", &lim, collect, &g, &st),
                     KPT_E_FORMAT);
    assert_int_equal(g.n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_bug_types),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_archive_names_and_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
