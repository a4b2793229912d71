/*
 * test_lit.c - the class patterns' literal requirements (cluster/clu_lit.c): what is read
 * from a pattern, and that no subject a pattern matches is ever refused by them (else a
 * report would change class): over the built-in rows and the corpus's messages, and over
 * random patterns and subjects.
 */
#include "tests/unit/testlib.h"

#include <regex.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "ingest/ing.h"
#include "util/arena.h"

/* the requirements as text: "^abc" at the start, "abc" anywhere, options joined by '|' */
static void
dump(const struct clu_lit *l, struct buf *out)
{
    size_t i, k;

    for (i = 0; i < l->nreq; i++) {
        buf_adds(out, i ? " " : "");
        buf_adds(out, l->req[i].at_start ? "^" : "");
        for (k = 0; k < l->req[i].opt.n; k++) {
            buf_adds(out, k ? "|" : "");
            buf_adds(out, l->req[i].opt.v[k]);
        }
    }
}

static void
test_requirements(void **state)
{
    static const struct {
        const char *pat, *want;
    } v[] = {
        { "^Machine check: banks (.*)", "^Machine check: banks " },
        { "^(Sleep transition|Wake transition|Halt/Restart) timed out",
          "^Sleep transition|Wake transition|Halt/Restart  timed out" },
        { "Failing driver: ([^ ,]+)", "Failing driver: " },
        { "^(.+) at pc 0x[0-9a-f]+, lr 0x[0-9a-f]+", " at pc 0x , lr 0x" },
        { "^busy timeout\\[[0-9]+\\], \\(", "^busy timeout[ ], (" },
        { "^(GPU Panic: .* : )?NVRM\\[[^]]*\\]: x", "NVRM[ ]: x" },
        { "ab*c", "a c" },
        { "ab+c", "a c" },
        { "ab{2}c", "a c" },
        { "a\\.b\\1c\\wd", "a.b c d" },
        { "[]ab]x[[:alpha:]]y", "x y" },
        { "(a|)b", "b" },
        { "(a|b)*c", "c" },
        { "(ab|c(d))e", "e" },
        { "a|b", "" },
        { "x(a|b", "" },
        { "x[ab", "" },
        { "^*a", "" },
        { ".*", "" },
        { "caf\xc3\xa9s", "caf s" },
        { "^$", "" },
        { "^@(IOGPU[A-Za-z0-9_]*\\.(cpp|h|c)) (.+)", "^@ IOGPU . cpp|h|c  " },
        { "^(^ab(cd)e)f", "^ab cd e f" },
        { "(^ab)c", "ab c" },
        { "a{x}b", "" },
        { "a(b|c{2})d", "a d" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct clu_lit l;
        struct buf b = BUF_INIT;

        clu_lit_compile(&l, v[i].pat);
        dump(&l, &b);
        print_message("# %s -> %s\n", v[i].pat, b.data);
        assert_string_equal(b.data, v[i].want);
        buf_release(&b);
        clu_lit_free(&l);
    }
}

static size_t matched; /* subjects a pattern matched: the check had something to check */

/* pattern re (with its requirements l) matches s: then the requirements pass s */
static void
check_one(const regex_t *re, const struct clu_lit *l, const char *pat, const char *s)
{
    regmatch_t m[10];

    if (regexec(re, s, 10, m, 0))
        return;
    matched++;
    if (!clu_lit_may_match(l, s, strlen(s))) {
        print_message("# '%s' matches '%s', refused by its requirements\n", pat, s);
        fail();
    }
}

/* the messages the corpus's reports carry, and variants of each */
static void
corpus_messages(struct strv *out)
{
    const char *corpus = tl_corpus();
    char *list, *line, *save = NULL;
    size_t n;
    struct kpt_limits lim;

    if (!corpus)
        return;
    kpt_limits_default(&lim);
    list = tl_read(tl_path(corpus, "MANIFEST.tsv"), &n);
    assert_non_null(list);
    for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t'), *d;
        struct arena *a = arena_new(65536);
        struct kpt_report r;

        if (!tab)
            continue;
        *tab = '\0';
        if ((d = tl_read(tl_path(corpus, line), &n)) != NULL) {
            kpt_report_init(&r, a, line);
            if (ing_parse(d, n, &lim, a, &r) == 0 && r.panic_string) {
                char cut[256];

                strv_push(out, r.panic_string);
                snprintf(cut, sizeof(cut), "@File.cpp %s", r.panic_string);
                strv_push(out, cut);
                snprintf(cut, sizeof(cut), "%.20s", r.panic_string);
                strv_push(out, cut);
            }
            free(d);
        }
        arena_free(a);
    }
    free(list);
}

static void
test_builtin_rows(void **state)
{
    static const char *const more[] = {
        "",
        "Kernel data abort. at pc 0xfffffe0012d440c8, lr 0xfdc0fe0012d440d0",
        "Sleep transition timed out after 180 seconds while calling power state change "
        "callbacks. Suspected bundle: com.apple.iokit.IOGraphicsFamily.",
        "Wake transition timed out",
        "Halt/Restart timed out",
        "busy timeout[1], (60s): 'AppleACPICPU'",
        "GPU Panic: [<None>] 3 3 7f 0 0 0 0 3 : NVRM[0/1:0:0]: Read Error 0x00000100",
        "NVRM[0/1:0:0]: Read Error",
        "@IOGPUFamily.cpp oops",
        "Machine check: banks 0 1",
        "no panic message",
        "[SPTM] VIOLATION_X: fn(file.c:3) - 1",
        "zone map exhausted while allocating from zone [kalloc.16], likely due to memory leak "
        "in zone [kalloc.16]",
        "x86 CPU CATERR detected",
        "SoC (system) watchdog reset",
        "TLB invalidation timed out",
    };
    struct clu_rules *c = clu_rules_new();
    struct strv msgs = STRV_INIT;
    size_t i, k;

    (void)state;
    corpus_messages(&msgs);
    for (k = 0; k < sizeof(more) / sizeof(more[0]); k++)
        strv_push(&msgs, more[k]);
    for (i = 0; i < c->nrows; i++)
        for (k = 0; k < msgs.n; k++)
            check_one(&c->rows[i].re, &c->rows[i].lit, "(a built-in row)", msgs.v[k]);
    print_message("# %zu rows x %zu messages, %zu matches\n", c->nrows, msgs.n, matched);
    assert_true(matched > msgs.n); /* each message matches "generic" at least */
    strv_release(&msgs);
    clu_rules_free(c);
}

/* a small generator, the same sequence every run */
static unsigned
next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void
test_random_patterns(void **state)
{
    static const char pat_alpha[] = "ab^$.*+?()|[]{}\\1,2";
    static const char sub_alpha[] = "aabb^$.*+?()|[]{}\\";
    unsigned seed = 31, tried = 0;
    size_t before = matched;
    size_t p, s, k;

    (void)state;
    for (p = 0; p < 10000; p++) {
        char pat[12], sub[10];
        size_t pn = 1 + next_rand(&seed) % (sizeof(pat) - 1);
        regex_t re;
        struct clu_lit l;

        for (k = 0; k < pn; k++)
            pat[k] = pat_alpha[next_rand(&seed) % (sizeof(pat_alpha) - 1)];
        pat[pn] = '\0';
        if (regcomp(&re, pat, REG_EXTENDED))
            continue;
        tried++;
        clu_lit_compile(&l, pat);
        for (s = 0; s < 300; s++) {
            size_t sn = next_rand(&seed) % sizeof(sub);

            for (k = 0; k < sn; k++)
                sub[k] = sub_alpha[next_rand(&seed) % (sizeof(sub_alpha) - 1)];
            sub[sn] = '\0';
            check_one(&re, &l, pat, sub);
        }
        /* and a subject made of the pattern's own characters */
        check_one(&re, &l, pat, pat);
        clu_lit_free(&l);
        regfree(&re);
    }
    print_message("# %u random patterns compiled, %zu matches\n", tried, matched - before);
    assert_true(tried > 2500 && matched - before > 25000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requirements),
        cmocka_unit_test(test_builtin_rows),
        cmocka_unit_test(test_random_patterns),
    };

    return cmocka_run_group_tests_name("lit", tests, NULL, NULL);
}
