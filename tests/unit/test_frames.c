/*
 * test_frames.c - a backtrace's last line, when the text ends without a newline, is judged
 * whole or cut the same way whether its frame is named (keepsyms) or raw (issue 19's
 * leftover): whole when every field is there in full, cut otherwise, and then the report
 * says "truncated" and the frame is not kept.
 */
#include "tests/unit/testlib.h"

#include "ingest/ing.h"

static const char head[] = "panic(cpu 0 caller 0xffffff8000a3a1f6): \"foo bar\"@/x/y.c:12\n"
                           "Backtrace (CPU 0), Frame : Return Address\n";

/* the report of head, one whole frame, then last as its last line (no newline) */
static void
parse_last(struct arena *a, const char *first, const char *last, struct kpt_report *r)
{
    struct kpt_limits lim;
    char *text = arena_printf(a, "%s%s\n%s", head, first, last);

    kpt_limits_default(&lim);
    kpt_report_init(r, a, "t");
    assert_int_equal(ing_parse(text, strlen(text), &lim, a, r), 0);
}

static void
test_last_frame(void **state)
{
    static const struct {
        const char *last;
        int whole;
    } named[] = {
        { "0xffffff80a3c5b040 : 0xffffff8000b4a1f6 mach_kernel : _baz_qux + 0x34", 1 },
        { "0xffffff80a3c5b040 : 0xffffff8000b4a1f6 mach_kernel : _baz_qux + 0x", 0 },
        { "0xffffff80a3c5b040 : 0xffffff8000b4a1f6 mach_kernel : _baz_qux + ", 0 },
        { "0xffffff80a3c5b040 : 0xffffff8000b4a1f6 mach_kernel : _baz_q", 0 },
        { "0xffffff80a3c5b040 : 0xffffff8000b4a1f6 mach_ker", 0 },
        { "0xffffff80a3c5b040 : 0xffffff8000b4a1", 0 },
    },
      raw[] = {
          { "0xffffff80a3c5b040 : 0xffffff8000b4a1f6", 1 },
          { "0xffffff80a3c5b040 : 0xffffff8000b4a1", 0 },
      };
    struct arena *a = arena_new(65536);
    struct kpt_report r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        parse_last(a, "0xffffff80a3c5b000 : 0xffffff8000b3a1f6 mach_kernel : _foo_bar + 0x12",
                   named[i].last, &r);
        print_message("# named %zu: %zu frames, %s\n", i, r.nframes, r.truncated ? "cut" : "whole");
        assert_int_equal(r.nframes, named[i].whole ? 2 : 1);
        assert_int_equal(r.truncated, !named[i].whole);
        assert_int_equal(r.status, named[i].whole ? KPT_ST_OK : KPT_ST_PARTIAL);
    }
    for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        parse_last(a, "0xffffff80a3c5b000 : 0xffffff8000b3a1f6", raw[i].last, &r);
        print_message("# raw %zu: %zu frames, %s\n", i, r.nframes, r.truncated ? "cut" : "whole");
        assert_int_equal(r.nframes, raw[i].whole ? 2 : 1);
        assert_int_equal(r.truncated, !raw[i].whole);
        assert_int_equal(r.status, raw[i].whole ? KPT_ST_OK : KPT_ST_PARTIAL);
    }
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_last_frame),
    };

    return cmocka_run_group_tests_name("frames", tests, NULL, NULL);
}
