/*
 * test_util.c - util/ on its own: the growable string and its cap, the cursors over
 * untrusted text, the terminal escaping and the one diagnostic line, the walk order of
 * paths, dates, the hash index, the arena and the error carrier.
 */
#include "tests/unit/testlib.h"

#include <unistd.h>

#include "util/arena.h"
#include "util/civil.h"
#include "util/cursor.h"
#include "util/diag.h"
#include "util/err.h"
#include "util/esc.h"
#include "util/hindex.h"
#include "util/outcommit.h"
#include "util/pathcmp.h"

/* ASan stops at (or, told to return NULL, still reports) a request past any memory: the
 * tests of memory running out skip under it ('make sanitize' fails on any report) */
#if defined(__SANITIZE_ADDRESS__)
#define TL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TL_ASAN 1
#endif
#endif

/* ---- buf ---- */

static void
test_buf_grows(void **state)
{
    struct buf b = BUF_INIT;
    size_t i, n;
    char *d;

    (void)state;
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    for (i = 0; i < 1000; i++)
        assert_int_equal(buf_addf(&b, "%zu,", i % 10), 0);
    assert_int_equal(b.len, 2000);
    assert_true(b.len < b.alloc);
    assert_int_equal(b.data[b.len], '\0');
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(buf_adds(&b, "abc"), 0);
    d = buf_detach(&b, &n);
    assert_int_equal(n, 3);
    assert_string_equal(d, "abc");
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    free(d);
    /* detaching an empty buffer still gives memory the caller may free */
    d = buf_detach(&b, NULL);
    assert_string_equal(d, "");
    free(d);
    buf_release(&b);
}

static void
test_buf_cap(void **state)
{
    struct buf b = BUF_INIT_MAX(8);

    (void)state;
    assert_int_equal(buf_adds(&b, "12345678"), 0); /* exactly the cap */
    assert_int_equal(buf_addc(&b, '9'), KPT_E_LIMIT);
    assert_int_equal(buf_adds(&b, "xyz"), KPT_E_LIMIT);
    assert_int_equal(buf_addf(&b, "%d", 1), KPT_E_LIMIT);
    /* a refused append leaves the buffer as it was */
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(b.oom, 0); /* the cap, not memory */
    buf_reset(&b);
    assert_int_equal(buf_adds(&b, "123456789"), KPT_E_LIMIT);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_release(&b);
    assert_int_equal(b.max, 8); /* released, still bounded */
}

static void
test_buf_oom(void **state)
{
    /* a bounded buffer whose memory runs out refuses the append and says so in oom; the
     * size is past any allocator, and the source is never read (nothing is copied) */
    struct buf b = BUF_INIT_MAX((size_t)1 << 62);
    char small[4] = "abc";

    (void)state;
#ifdef TL_ASAN
    skip();
#endif
    assert_int_equal(buf_adds(&b, "kept"), 0);
    assert_int_equal(buf_add(&b, small, (size_t)1 << 61), KPT_E_LIMIT);
    assert_int_equal(b.oom, 1);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "kept");
    buf_release(&b);
}

/* ---- cursor.h ---- */

static void
test_cur_lit(void **state)
{
    const char *s = "panic(cpu", *p = s;

    (void)state;
    assert_int_equal(cur_lit(&p, s + 9, "panic("), 0);
    assert_ptr_equal(p, s + 6);
    /* the literal runs past end: refused, *p unchanged, nothing read past end */
    assert_int_equal(cur_lit(&p, s + 8, "cpu"), -1);
    assert_ptr_equal(p, s + 6);
    assert_int_equal(cur_lit(&p, s + 9, "cpx"), -1);
    assert_ptr_equal(p, s + 6);
    assert_int_equal(cur_lit(&p, s + 9, ""), 0);
    assert_ptr_equal(p, s + 6);
    p = s + 9;
    assert_int_equal(cur_lit(&p, s + 9, "x"), -1);
}

static void
test_cur_skip_blank(void **state)
{
    const char *s = " \t \tx  ", *p = s;

    (void)state;
    cur_skip_blank(&p, s + 7);
    assert_ptr_equal(p, s + 4);
    cur_skip_blank(&p, s + 7);
    assert_ptr_equal(p, s + 4);
    p = s;
    cur_skip_blank(&p, s + 2); /* stops at end */
    assert_ptr_equal(p, s + 2);
}

static void
test_cur_hex64(void **state)
{
    const char *s, *p;
    uint64_t v = 7;
    int nd = 0;

    (void)state;
    s = p = "0xffffff8000201000 :";
    assert_int_equal(cur_hex64(&p, s + strlen(s), &v, &nd), 0);
    assert_true(v == 0xffffff8000201000ull);
    assert_int_equal(nd, 16);
    assert_ptr_equal(p, s + 18);
    /* 17 digits do not fit: refused, nothing changed */
    s = p = "0x1ffffff8000201000";
    v = 7;
    assert_int_equal(cur_hex64(&p, s + strlen(s), &v, NULL), -1);
    assert_ptr_equal(p, s);
    assert_true(v == 7);
    /* "0x" alone, no prefix, upper-case digits */
    s = p = "0x";
    assert_int_equal(cur_hex64(&p, s + 2, &v, NULL), -1);
    s = p = "1234";
    assert_int_equal(cur_hex64(&p, s + 4, &v, NULL), -1);
    s = p = "0xABcd";
    assert_int_equal(cur_hex64(&p, s + 6, &v, &nd), 0);
    assert_true(v == 0xabcd);
    assert_int_equal(nd, 4);
    /* end cuts the digits: only those before end count */
    s = p = "0x123456";
    assert_int_equal(cur_hex64(&p, s + 4, &v, &nd), 0);
    assert_true(v == 0x12);
    assert_int_equal(nd, 2);
    assert_ptr_equal(p, s + 4);
    s = p = "0x123456";
    assert_int_equal(cur_hex64(&p, s + 2, &v, NULL), -1); /* end right after 0x */
    assert_int_equal(cur_hex64(&p, s + 1, &v, NULL), -1); /* end inside the prefix */
}

/* bare hex digits up to max; a whole field or nothing */
static void
test_cur_hex(void **state)
{
    const char *s, *p;
    uint64_t v = 7;

    (void)state;
    s = p = "ffffffffffffffff,";
    assert_int_equal(cur_hex(&p, s + strlen(s), &v, UINT64_MAX), 0);
    assert_true(v == UINT64_MAX);
    assert_ptr_equal(p, s + 16);
    s = p = "10000000000000000"; /* 2^64: refused, never wrapped */
    assert_int_equal(cur_hex(&p, s + strlen(s), &v, UINT64_MAX), -1);
    assert_ptr_equal(p, s);
    s = p = "0x10"; /* no prefix taken: "0" then stop */
    assert_int_equal(cur_hex(&p, s + strlen(s), &v, UINT64_MAX), 0);
    assert_true(v == 0);
    s = p = "100";
    assert_int_equal(cur_hex(&p, s + 3, &v, 0xff), -1);
    s = p = "";
    assert_int_equal(cur_hex(&p, s, &v, 10), -1);
    assert_int_equal(cur_field_num("4294967295", 10, &v, UINT32_MAX), 0);
    assert_true(v == UINT32_MAX);
    assert_int_equal(cur_field_num("4294967296", 10, &v, UINT32_MAX), -1); /* was truncated */
    assert_int_equal(cur_field_num("12 ", 10, &v, 100), -1);
    assert_int_equal(cur_field_num("-1", 10, &v, UINT64_MAX), -1);
    assert_int_equal(cur_field_num("+1", 10, &v, UINT64_MAX), -1);
    assert_int_equal(cur_field_num(" 1", 10, &v, UINT64_MAX), -1);
    assert_int_equal(cur_field_num("", 16, &v, UINT64_MAX), -1);
    assert_int_equal(cur_field_num("DeadBeef", 16, &v, UINT64_MAX), 0);
    assert_true(v == 0xdeadbeef);
    assert_int_equal(cur_field_num("0x1", 16, &v, UINT64_MAX), -1);
}

static void
test_cur_dec(void **state)
{
    const char *s, *p;
    uint64_t v = 7;

    (void)state;
    s = p = "4095)";
    assert_int_equal(cur_dec(&p, s + 5, &v, 4095), 0);
    assert_true(v == 4095);
    assert_ptr_equal(p, s + 4);
    s = p = "4096";
    v = 7;
    assert_int_equal(cur_dec(&p, s + 4, &v, 4095), -1); /* over max: refused, unchanged */
    assert_ptr_equal(p, s);
    assert_true(v == 7);
    s = p = "x1";
    assert_int_equal(cur_dec(&p, s + 2, &v, 10), -1);
    s = p = "";
    assert_int_equal(cur_dec(&p, s, &v, 10), -1);
    s = p = "123456";
    assert_int_equal(cur_dec(&p, s + 3, &v, 1000000), 0); /* end cuts the digits */
    assert_true(v == 123);
    /* max near the top of uint64_t: a value past it never wraps around into range */
    s = p = "18446744073709551615";
    assert_int_equal(cur_dec(&p, s + strlen(s), &v, UINT64_MAX), 0);
    assert_true(v == UINT64_MAX);
    s = p = "18446744073709551616";
    assert_int_equal(cur_dec(&p, s + strlen(s), &v, UINT64_MAX), -1);
    assert_ptr_equal(p, s);
    s = p = "18446744073709551616";
    assert_int_equal(cur_dec(&p, s + strlen(s), &v, UINT64_MAX / 10), -1);
    s = p = "1844674407370955161";
    assert_int_equal(cur_dec(&p, s + strlen(s), &v, UINT64_MAX / 10), 0);
    assert_true(v == UINT64_MAX / 10);
    s = p = "99999999999999999999999";
    assert_int_equal(cur_dec(&p, s + strlen(s), &v, UINT64_MAX), -1);
    s = p = "000000000000000000000000042";
    assert_int_equal(cur_dec(&p, s + strlen(s), &v, 42), 0); /* leading zeros are no overflow */
    assert_true(v == 42);
}

/* ---- esc.h and diag.h ---- */

static char *
term(const char *s, size_t len, size_t max)
{
    struct buf b = BUF_INIT;

    esc_term(&b, s, len, max);
    return buf_detach(&b, NULL);
}

static void
expect_term(const char *in, size_t len, size_t max, const char *want)
{
    char *got = term(in, len, max);

    assert_string_equal(got, want);
    free(got);
}

static void
test_esc_term(void **state)
{
    (void)state;
    expect_term("plain text é ✓", strlen("plain text é ✓"), 100, "plain text é ✓");
    /* C0 controls and DEL */
    expect_term("a\tb\nc\033[31md\x7f", 12, 100, "a\\x09b\\x0ac\\x1b[31md\\x7f");
    expect_term("nul\0x", 5, 100, "nul\\x00x");
    /* C1 controls as UTF-8 (U+0080..U+009F): shown; U+00A0 is not one */
    expect_term("\xc2\x9b"
                "2J\xc2\x80\xc2\x9f\xc2\xa0",
                10, 100, "\\u009b2J\\u0080\\u009f\xc2\xa0");
    /* direction controls: LRM, RLM, LRE..RLO, LRI..PDI; other U+20xx stay */
    expect_term(
        "\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x94", 21,
        100, "\\u200e\\u200f\\u202a\\u202e\\u2066\\u2069\xe2\x80\x94");
    /* bytes that are no UTF-8: a lone continuation, a cut sequence, an overlong, a
     * surrogate, past U+10FFFF */
    expect_term("\x80", 1, 100, "\\x80");
    expect_term("\xe2\x82", 2, 100, "\\xe2\\x82");
    expect_term("\xc0\xaf", 2, 100, "\\xc0\\xaf");
    expect_term("\xed\xa0\x80", 3, 100, "\\xed\\xa0\\x80");
    expect_term("\xf4\x90\x80\x80", 4, 100, "\\xf4\\x90\\x80\\x80");
    expect_term("\xf0\x9f\x98\x80", 4, 100, "\xf0\x9f\x98\x80");
    /* the cut: at most max bytes of the input, then "..." */
    expect_term("abcdef", 6, 3, "abc...");
    expect_term("abc", 3, 3, "abc");
    expect_term("\n\n\n\n", 4, 2, "\\x0a\\x0a...");
    /* a cut inside a sequence: the sequence is whole (the cut is of the input read) */
    expect_term("a\xc3\xa9z", 4, 2, "a\xc3\xa9...");
}

static void
test_esc_parts(void **state)
{
    unsigned cp = 0;
    struct buf b = BUF_INIT;

    (void)state;
    assert_int_equal(esc_utf8_len((const unsigned char *)"a", 1), 1);
    assert_int_equal(esc_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2);
    assert_int_equal(esc_utf8_len((const unsigned char *)"\xc3\xa9", 1), 0); /* avail cuts it */
    assert_int_equal(esc_utf8_len((const unsigned char *)"", 0), 0);
    assert_int_equal(esc_special((const unsigned char *)"\x1b", 1, &cp), 1);
    assert_int_equal(cp, 0x1b);
    assert_int_equal(esc_special((const unsigned char *)"\xe2\x80\xae", 3, &cp), 3);
    assert_int_equal(cp, 0x202e);
    assert_int_equal(esc_special((const unsigned char *)"\xe2\x80\xae", 2, &cp), 0);
    assert_int_equal(esc_special((const unsigned char *)"A", 1, &cp), 0);
    esc_visible(&b, 0x07);
    esc_visible(&b, 0x2067);
    assert_string_equal(b.data, "\\x07\\u2067");
    buf_release(&b);
}

/* what fn wrote on stderr, through a temporary file in place of fd 2 */
static char *
capture_stderr(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    int saved = dup(2);
    size_t n;
    char *out;

    assert_non_null(tmp);
    assert_true(saved >= 0);
    fflush(stderr);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    fn();
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    out = calloc(1, 8192);
    assert_non_null(out);
    rewind(tmp);
    n = fread(out, 1, 8191, tmp);
    out[n] = '\0';
    fclose(tmp);
    return out;
}

static void
diag_hostile(void)
{
    diag_report("evil\033]0;title\007.panic", "bad \xe2\x80\xae"
                                              "fdp.exe\xff");
    diag_printf("%s: %d", "line\nbreak", 3);
    diag_report(NULL, NULL);
}

static void
diag_long(void)
{
    char subject[1000];

    memset(subject, 's', sizeof(subject) - 1);
    subject[sizeof(subject) - 1] = '\0';
    diag_report(subject, "why");
}

static void
test_diag(void **state)
{
    char *out = capture_stderr(diag_hostile), *want;
    size_t n;

    (void)state;
    assert_string_equal(out,
                        "kptrace-batch: evil\\x1b]0;title\\x07.panic: bad \\u202efdp.exe\\xff\n"
                        "kptrace-batch: line\\x0abreak: 3\n"
                        "kptrace-batch: : \n");
    free(out);
    /* the subject is cut at DIAG_SUBJECT_MAX bytes */
    out = capture_stderr(diag_long);
    n = strlen("kptrace-batch: ") + DIAG_SUBJECT_MAX;
    want = calloc(1, n + 64);
    assert_non_null(want);
    memcpy(want, "kptrace-batch: ", 15);
    memset(want + 15, 's', DIAG_SUBJECT_MAX);
    memcpy(want + n, "...: why\n", 10);
    assert_string_equal(out, want);
    free(want);
    free(out);
}

/* ---- pathcmp.h ---- */

static int
sign(int v)
{
    return (v > 0) - (v < 0);
}

static void
test_pathcmp(void **state)
{
    (void)state;
    assert_int_equal(path_walk_cmp("a/b", "a/b"), 0);
    assert_int_equal(path_walk_cmp("", ""), 0);
    /* a folder's files come before the names that sort after it byte by byte: strcmp
     * puts "a.b" (0x2e) before "a/b" (0x2f); a walk meets a/ first */
    assert_true(strcmp("a.b", "a/b") < 0);
    assert_int_equal(sign(path_walk_cmp("a/b", "a.b")), -1);
    assert_int_equal(sign(path_walk_cmp("a.b", "a/b")), 1);
    assert_int_equal(sign(path_walk_cmp("a/z", "a-b/a")), -1);
    /* a folder before what is in it; shorter component first */
    assert_int_equal(sign(path_walk_cmp("a", "a/b")), -1);
    assert_int_equal(sign(path_walk_cmp("a/b", "a")), 1);
    assert_int_equal(sign(path_walk_cmp("ab/c", "abc")), -1);
    assert_int_equal(sign(path_walk_cmp("x/a/b", "x/ab")), -1);
    /* byte order within a component (not the locale's) */
    assert_int_equal(sign(path_walk_cmp("B", "a")), -1);
    assert_int_equal(sign(path_walk_cmp("\xc3\xa9", "z")), 1);
    /* the _n form reads only its lengths */
    assert_int_equal(path_walk_cmp_n("a/bXXX", 3, "a/bYYY", 3), 0);
    assert_int_equal(sign(path_walk_cmp_n("a/b/c", 3, "a/b/c", 5)), -1);
    assert_int_equal(sign(path_walk_cmp_n("a/", 2, "a", 1)), 1);
}

/* ---- civil.h ---- */

static void
test_civil(void **state)
{
    int64_t t = 0;

    (void)state;
    assert_true(civil_days(1970, 1, 1) == 0);
    assert_true(civil_days(1969, 12, 31) == -1);
    assert_true(civil_days(2000, 3, 1) == 11017);
    assert_true(civil_days(1600, 1, 1) == -135140);
    assert_true(civil_days(2024, 3, 1) - civil_days(2024, 2, 28) == 2); /* leap */
    assert_true(civil_days(2100, 3, 1) - civil_days(2100, 2, 28) == 1); /* not leap */
    assert_true(civil_days(2000, 3, 1) - civil_days(2000, 2, 28) == 2); /* 400: leap */
    assert_int_equal(civil_parse_date("2024-02-29", &t), 0);
    assert_true(t == 1709164800);
    assert_int_equal(civil_parse_date("2024-02-29T12:30", &t), 0);
    assert_true(t == 1709164800 + 12 * 3600 + 30 * 60);
    assert_int_equal(civil_parse_date("2024-02-29 12:30:15Z", &t), 0);
    assert_true(t == 1709164800 + 12 * 3600 + 30 * 60 + 15);
    assert_int_equal(civil_parse_date("1970-01-01Z", &t), 0);
    assert_true(t == 0);
    assert_int_equal(civil_parse_date("1969-12-31", &t), 0);
    assert_true(t == -86400);
    t = 42;
    assert_int_equal(civil_parse_date("2023-02-29", &t), -1);
    assert_int_equal(civil_parse_date("2100-02-29", &t), -1);
    assert_int_equal(civil_parse_date("2026-02-31", &t), -1);
    assert_int_equal(civil_parse_date("2026-04-31", &t), -1);
    assert_int_equal(civil_parse_date("2026-13-01", &t), -1);
    assert_int_equal(civil_parse_date("2026-00-10", &t), -1);
    assert_int_equal(civil_parse_date("2026-01-00", &t), -1);
    assert_int_equal(civil_parse_date("2026-1-01", &t), -1);
    assert_int_equal(civil_parse_date("2026-01-01T24:00", &t), -1);
    assert_int_equal(civil_parse_date("2026-01-01T12", &t), -1);
    assert_int_equal(civil_parse_date("2026-01-01T12:00:61", &t), -1);
    assert_int_equal(civil_parse_date("2026-01-01x", &t), -1);
    assert_int_equal(civil_parse_date("2026-01-01ZZ", &t), -1);
    assert_int_equal(civil_parse_date("", &t), -1);
    assert_int_equal(civil_parse_date("yesterday", &t), -1);
    assert_true(t == 42); /* untouched on failure */
}

/* ---- hindex.h ---- */

static int
key_eq(const void *ctx, size_t i)
{
    const uint64_t *want = ctx;

    return want[1] == want[0 + 2 + i];
}

static void
test_hindex(void **state)
{
    /* ctx for key_eq: [unused, key sought, keys...] */
    enum { N = 1000 };
    static uint64_t ctx[2 + N];
    struct hindex h;
    size_t i;

    (void)state;
    memset(&h, 0, sizeof(h));
    ctx[1] = 5;
    assert_true(hindex_find(&h, 5, key_eq, ctx) == SIZE_MAX); /* empty */
    for (i = 0; i < N; i++) {
        ctx[2 + i] = i * 7;
        /* every tenth entry shares its hash with the one before: collisions */
        hindex_add(&h, i % 10 == 9 ? hindex_mix(i - 1) : hindex_mix(i), i);
    }
    assert_int_equal(h.n, N);
    assert_true(h.nslot >= 2 * N); /* at most half full */
    for (i = 0; i < N; i++) {
        ctx[1] = i * 7;
        assert_int_equal(
            hindex_find(&h, i % 10 == 9 ? hindex_mix(i - 1) : hindex_mix(i), key_eq, ctx), i);
    }
    ctx[1] = 3; /* a key with a hash present but no equal entry */
    assert_true(hindex_find(&h, hindex_mix(0), key_eq, ctx) == SIZE_MAX);
    assert_true(hindex_mix(1) != hindex_mix(2));
    hindex_clear(&h);
    assert_int_equal(h.n, 0);
    ctx[1] = 0;
    assert_true(hindex_find(&h, hindex_mix(0), key_eq, ctx) == SIZE_MAX);
    hindex_add(&h, hindex_mix(0), 0);
    assert_int_equal(hindex_find(&h, hindex_mix(0), key_eq, ctx), 0);
    hindex_release(&h);
    assert_null(h.slot);
}

/* ---- arena.h ---- */

static void
test_arena(void **state)
{
    struct arena *a = arena_new(256);
    unsigned char *p, *big;
    char *s;
    size_t i;

    (void)state;
    assert_non_null(a);
    assert_int_equal(arena_used(a), 0);
    for (i = 1; i < 100; i += 7) {
        size_t k;

        p = arena_alloc(a, i);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (k = 0; k < i; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xa5, i);
    }
    assert_true(arena_used(a) > 0);
    /* larger than a chunk */
    big = arena_alloc(a, 10000);
    assert_int_equal((uintptr_t)big % 16, 0);
    assert_int_equal(big[0], 0);
    assert_int_equal(big[9999], 0);
    memset(big, 1, 10000);
    s = arena_strndup(a, "abcdef", 3);
    assert_string_equal(s, "abc");
    s = arena_strdup(a, "whole");
    assert_string_equal(s, "whole");
    s = arena_printf(a, "%s-%d", "x", 42);
    assert_string_equal(s, "x-42");
    s = arena_try_strndup(a, "tried", 5);
    assert_string_equal(s, "tried");
    assert_non_null(arena_try_alloc(a, 32));
    /* memory that cannot be had: NULL, not the end of the run */
#ifndef TL_ASAN
    assert_null(arena_try_alloc(a, (size_t)1 << 61));
#endif
    assert_null(arena_try_alloc(a, (size_t)-1)); /* refused before asking for memory */
    arena_clear(a);
    assert_int_equal(arena_used(a), 0);
    p = arena_alloc(a, 64); /* reused memory comes back zeroed */
    for (i = 0; i < 64; i++)
        assert_int_equal(p[i], 0);
    arena_free(a);
    arena_free(NULL);
}

/* ---- err.h ---- */

static void
test_err(void **state)
{
    struct buf why = BUF_INIT;

    (void)state;
    assert_int_equal(kpt_fail(NULL, KPT_E_PARSE, "%s", "nobody reads this"), KPT_E_PARSE);
    assert_int_equal(kpt_fail(&why, KPT_E_LIMIT, "line %d over %s", 3, "the limit"), KPT_E_LIMIT);
    assert_string_equal(why.data, "line 3 over the limit");
    /* it appends: the caller's words stay first */
    assert_int_equal(kpt_fail(&why, KPT_E_IO, "; %s", "then this"), KPT_E_IO);
    assert_string_equal(why.data, "line 3 over the limit; then this");
    assert_int_equal(kpt_fail(&why, KPT_OK, "%s", ""), 0);
    buf_release(&why);
    /* one line a step: a newline only between reasons */
    assert_int_equal(kpt_fail_line(NULL, KPT_E_IO, "%s", "nobody"), KPT_E_IO);
    assert_int_equal(kpt_fail_line(&why, KPT_E_IO, "cannot write '%s'", "a"), KPT_E_IO);
    assert_string_equal(why.data, "cannot write 'a'");
    assert_int_equal(kpt_fail_line(&why, KPT_E_IO, "%s", "nothing was replaced"), KPT_E_IO);
    assert_string_equal(why.data, "cannot write 'a'\nnothing was replaced");
    buf_release(&why);
    assert_string_equal(kpt_strerror(KPT_OK), "success");
    assert_string_equal(kpt_strerror(KPT_E_FORMAT), "not a panic report");
    assert_string_equal(kpt_strerror(KPT_E_TIMEOUT), "timeout");
    assert_string_equal(kpt_strerror(-99), "unknown error");
}

static int
count_entry(void *ctx, int state, const struct outfile_jentry *e)
{
    int *n = ctx;

    (*n)++;
    assert_int_equal(state, 'R');
    assert_true(e->dest[0] == '/');
    return 0;
}

/* the commit journal: read whole or refused whole; names other than an output's own
 * temporary and backup are refused (a planted journal cannot rename anything else) */
static void
test_journal(void **state)
{
    static const char good[] =
        "kptrace-batch journal 1\nR\n/o/s.md\0/o/s.md.tmp.abc\0/o/s.md.kpt-old.1-0-0\0"
        "1:2\0/o/c.csv\0/o/c.csv.tmp.x\0\0"
        "3:4\0";
    static const char other[] = "kptrace-batch journal 1\nR\n/o/s.md\0/o/s.md.tmp.abc\0\0"
                                "1:2\0"
                                "/o/c.csv\0/etc/passwd\0\0"
                                "3:4\0";
    static const char relative[] = "kptrace-batch journal 1\nF\ns.md\0s.md.tmp.abc\0\0"
                                   "1:2\0";
    int n = 0;

    (void)state;
    assert_int_equal(outfile_journal_parse(good, sizeof(good) - 1, count_entry, &n), 0);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(outfile_journal_parse(good, sizeof(good) - 3, count_entry, &n),
                     -1); /* cut short */
    assert_int_equal(outfile_journal_parse(other, sizeof(other) - 1, count_entry, &n), -1);
    assert_int_equal(outfile_journal_parse(relative, sizeof(relative) - 1, count_entry, &n), -1);
    assert_int_equal(outfile_journal_parse("kptrace-batch journal 1\nX\n", 26, count_entry, &n),
                     -1);
    assert_int_equal(n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows),      cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_oom),        cmocka_unit_test(test_cur_lit),
        cmocka_unit_test(test_cur_skip_blank), cmocka_unit_test(test_cur_hex64),
        cmocka_unit_test(test_cur_dec),        cmocka_unit_test(test_cur_hex),
        cmocka_unit_test(test_esc_term),       cmocka_unit_test(test_esc_parts),
        cmocka_unit_test(test_diag),           cmocka_unit_test(test_pathcmp),
        cmocka_unit_test(test_civil),          cmocka_unit_test(test_hindex),
        cmocka_unit_test(test_arena),          cmocka_unit_test(test_err),
        cmocka_unit_test(test_journal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
