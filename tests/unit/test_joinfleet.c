/*
 * test_joinfleet.c - the invariance suite's fleet of cut kext lists (issue 29): kext bugs
 * seen on many machines, slides, kext load addresses, builds, kext versions and formats, where
 * some copies lost their "Kernel Extensions in backtrace" lines. Each cut copy keys its kext
 * frames "unknown-kext"; the run joins it to its one named twin (clu_join.c), so that every
 * bug is one cluster. Two bugs of two kexts that read the same once the kext is a wildcard
 * (general protection faults in two NIC drivers) are the ambiguous case: their cut copies
 * could be either, and must stay apart from both, in a cluster of their own, which their
 * label says. A bug seen only in cut copies stays its own cluster. Scored with BCubed over
 * the joined clusters (SIGNATURES.md §12.1): P = R = 1.0; and the same fleet in two shards,
 * merged (as kptrace-batch merge does) and joined, puts every report where one run does.
 */
#include "tests/unit/testlib.h"

#include <zlib.h>

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"
#include "util/xalloc.h"

struct bug {
    const char *label;
    const char *msg;     /* printf: %1$llx an address, %2$d a number */
    const char *kext;    /* the kext its frames are in */
    int kext_caller;     /* the kext called panic() itself */
    int named, cut;      /* copies with the kext list, and without it */
    const char *cut_lbl; /* the cut copies' label when they cannot be told (else label) */
};

static const struct bug bugs[] = {
    { "zeta-lock", "\"lock held: 0x%1$016llx\"@/x/y/zeta_vnops.c:%2$d", "org.example.fs.zeta", 0, 1,
      1, NULL },
    { "zeta-vnode", "\"zeta: bad vnode state %2$d\"@/x/y/zeta_vnops.c:%2$d", "org.example.fs.zeta",
      0, 1, 1, NULL },
    { "foonic-pf", "Kernel trap at 0x%1$016llx, type 14=page fault, registers:",
      "com.example.driver.FooNIC", 0, 1, 1, NULL },
    /* the same fault in two drivers: a cut copy could be either */
    { "foonic-gpf", "Kernel trap at 0x%1$016llx, type 13=general protection, registers:",
      "com.example.driver.FooNIC", 0, 1, 1, "gpf-either" },
    { "barnic-gpf", "Kernel trap at 0x%1$016llx, type 13=general protection, registers:",
      "com.example.driver.BarNIC", 0, 1, 1, "gpf-either" },
    /* never seen with its kext list: nothing to join */
    { "gamma-stall", "\"gamma: ring %2$d stalled\"@gamma_ring.c:%2$d", "org.example.gamma", 0, 0, 1,
      NULL },
    /* a kext's own panic(): keyed on its message, with or without the list */
    { "itlwm-clock", "itlwm: mac clock not ready", "com.zxystd.itlwm", 1, 1, 1, NULL },
};
#define NBUGS (sizeof(bugs) / sizeof(bugs[0]))
#define NVARIANTS 20

struct variant {
    uint64_t slide, kext_base;
    const char *build, *kver, *kext_ver, *kext_uuid;
    int format, line;
};

/* variant v: one dimension at a time, then mixtures */
static struct variant
variant(size_t v)
{
    struct variant x = { 0x1c00000,
                         0xffffff7f83bfc000ull,
                         "19H2",
                         "Darwin Kernel Version 19.6.0: Thu Jun 18 20:49:00 PDT 2020; "
                         "root:xnu-6153.141.1~1/RELEASE_X86_64",
                         "2.0.1",
                         "0D1C2B3A-4F5E-3D6C-8B7A-9F0E1D2C3B4A",
                         0,
                         4219 };

    if (v % 5 == 1 || v >= 10)
        x.slide = 0x2e800000 + 0x200000 * (uint64_t)v;
    if (v % 5 == 2 || v >= 12)
        x.kext_base = 0xffffff7f90a31000ull + 0x10000 * (uint64_t)v;
    if (v % 5 == 3 || v >= 14) {
        x.build = "19H15";
        x.kver = "Darwin Kernel Version 19.6.0: Mon Aug 31 22:12:52 PDT 2020; "
                 "root:xnu-6153.141.2~1/RELEASE_X86_64";
    }
    if (v % 5 == 4 || v >= 16) {
        x.kext_ver = "2.1.0";
        x.kext_uuid = "6F1D2A8B-3C55-4D22-AB4F-1E7C8032BAD5";
    }
    x.format = (int)(v % 4); /* legacy, CRLF, JSON-wrapped, gzip */
    x.line = 4219 + (int)v * 7;
    return x;
}

/* a legacy Intel report of bug b as variant x, with its kext list unless cut */
static char *
report_text(const struct bug *b, const struct variant *x, int cut)
{
    struct buf t = BUF_INIT, m = BUF_INIT;
    uint64_t kb = 0xffffff8000200000ull + x->slide, ks = x->kext_base;
    uint64_t site = (uint64_t)(b - bugs) * 0x400; /* each bug at its own place in its kext */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    buf_addf(&m, b->msg, (unsigned long long)(ks + 0x4a10 + site), x->line);
#pragma GCC diagnostic pop
    buf_addf(&t, "panic(cpu %d caller 0x%016" PRIx64 "): %s\n", x->line % 8,
             b->kext_caller ? ks + 0x121b + site : kb + 0x4c2, m.data);
    buf_addf(&t, "Backtrace (CPU %d), Frame : Return Address\n", x->line % 8);
    buf_addf(&t, "0xffffff83b1b3bb00 : 0x%016" PRIx64 " \n", kb + 0x65d);
    buf_addf(&t, "0xffffff83b1b3bb50 : 0x%016" PRIx64 " \n", kb + 0x4c2);
    buf_addf(&t, "0xffffff83b1b3bb90 : 0x%016" PRIx64 " \n", ks + 0x121b + site);
    buf_addf(&t, "0xffffff83b1b3bbd0 : 0x%016" PRIx64 " \n", ks + 0x10f0 + site);
    if (!cut)
        buf_addf(&t,
                 "      Kernel Extensions in backtrace:\n"
                 "         %s(%s)[%s]@0x%016" PRIx64 "->0x%016" PRIx64 "\n",
                 b->kext, x->kext_ver, x->kext_uuid, ks, ks + 0x3ffff);
    buf_addf(&t,
             "\nBSD process name corresponding to current thread: kernel_task\n"
             "\nMac OS version:\n%s\n\nKernel version:\n%s\n"
             "Kernel slide:     0x%016" PRIx64 "\nKernel text base: 0x%016" PRIx64 "\n",
             x->build, x->kver, x->slide, kb);
    buf_release(&m);
    return buf_detach(&t, NULL);
}

/* text as a file of format f (0 legacy, 1 CRLF, 2 JSON-wrapped, 3 gzip) */
static char *
as_format(const char *text, int f, size_t *n)
{
    struct buf b = BUF_INIT;
    const char *p;

    if (f == 3) {
        uLongf cap = compressBound((uLong)strlen(text)) + 64;
        unsigned char *o = xmalloc(cap);
        z_stream z;

        memset(&z, 0, sizeof(z));
        deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (unsigned char *)(uintptr_t)text;
        z.avail_in = (uInt)strlen(text);
        z.next_out = o;
        z.avail_out = (uInt)cap;
        deflate(&z, Z_FINISH);
        *n = z.total_out;
        deflateEnd(&z);
        return (char *)o;
    }
    if (f == 2)
        buf_adds(&b, "{\"bug_type\":\"210\",\"timestamp\":\"2020-09-04 02:11:09.00 +0000\"}\n"
                     "{\"macOSPanicString\":\"");
    for (p = text; *p; p++) {
        if (f == 1 && *p == '\n')
            buf_addc(&b, '\r');
        if (f == 2 && *p == '\n')
            buf_adds(&b, "\\n");
        else if (f == 2 && (*p == '"' || *p == '\\'))
            buf_addc(&b, '\\'), buf_addc(&b, *p);
        else
            buf_addc(&b, *p);
    }
    if (f == 2)
        buf_adds(&b, "\"}\n");
    return buf_detach(&b, n);
}

static void
test_cut_fleet(void **state)
{
    struct clu_rules *c = clu_rules_new();
    struct sym_ctx *s = sym_ctx_new(NULL, NULL);
    struct clu_table *t = clu_table_new(1), *j, *sh[2] = { clu_table_new(1), clu_table_new(1) };
    size_t *map[2] = { NULL, NULL }, nsh[2] = { 0, 0 }, capsh[2] = { 0, 0 };
    struct clu_joined *joins = NULL;
    struct kpt_limits lim;
    const char **label = NULL, **key = NULL, **own = NULL;
    const struct kpt_cluster *cl;
    size_t n = 0, cap = 0, b, v, i, k, nc, njoined = 0, own_keys = 0;
    double p, r;

    (void)state;
    kpt_limits_default(&lim);
    for (b = 0; b < NBUGS; b++)
        for (v = 0; v < NVARIANTS; v++) {
            struct variant x = variant(v);
            int cut;

            for (cut = 0; cut < 2; cut++) {
                struct arena *a;
                struct kpt_report rep;
                char *text, *file;
                size_t len;

                if (!(cut ? bugs[b].cut : bugs[b].named))
                    continue;
                text = report_text(&bugs[b], &x, cut);
                file = as_format(text, x.format, &len);
                a = arena_new(65536);
                kpt_report_init(&rep, a,
                                arena_printf(a, "%s-v%zu%s", bugs[b].label, v, cut ? "-cut" : ""));
                assert_int_equal(ing_parse(file, len, &lim, a, &rep), 0);
                sym_resolve(s, a, &rep);
                clu_sign(c, a, &rep);
                rep.seq = n;
                clu_add(t, &rep);
                /* and into one of two shards by the report's path: a twin and its cut copy
                 * fall in one shard or in two */
                k = (v + (size_t)cut * (b % 2 + 1)) % 2;
                rep.seq = nsh[k];
                clu_add(sh[k], &rep);
                VEC_GROW(map[k], nsh[k] + 1, capsh[k]);
                map[k][nsh[k]++] = n;
                VEC_GROW(label, n + 1, cap);
                key = xrealloc(key, st_mult(cap, sizeof(*key)));
                own = xrealloc(own, st_mult(cap, sizeof(*own)));
                label[n] = cut && bugs[b].cut_lbl ? bugs[b].cut_lbl : bugs[b].label;
                own[n] = xstrdup(rep.sig_id);
                if (v == 0)
                    printf("# %-12s %-4s %s  %s\n", bugs[b].label, cut ? "cut" : "", rep.sig_id,
                           rep.signature);
                n++;
                arena_free(a);
                free(text);
                free(file);
            }
        }
    /* without the join a bug of cut and uncut copies is two keys */
    for (i = 0; i < n; i++) {
        for (k = 0; k < i && strcmp(own[k], own[i]); k++)
            ;
        own_keys += k == i;
    }
    tl_bcubed(own, label, n, &p, &r);
    printf("# unjoined: BCubed P=%.4f R=%.4f\n", p, r);
    assert_true(r < 1.0); /* the fleet holds what the join must mend */
    j = clu_join_cut(t, &njoined, &joins);
    assert_non_null(j);
    cl = clu_table_result(j, &nc);
    for (i = 0; i < nc; i++)
        for (k = 0; k < cl[i].nmembers; k++) {
            assert_true(cl[i].members[k] < n);
            key[cl[i].members[k]] = cl[i].id_hex;
        }
    for (i = 0; i < n; i++)
        assert_non_null(key[i]);
    /* the two shards' tables merged, then joined: every report in the cluster of one run */
    {
        struct clu_table *m = clu_table_new(1), *mj;
        const struct kpt_cluster *sc;
        size_t ns, q, same = 0, njm = 0;

        for (q = 0; q < 2; q++) {
            sc = clu_table_result(sh[q], &ns);
            for (i = 0; i < ns; i++)
                clu_table_merge(m, &sc[i], map[q], nsh[q]);
        }
        mj = clu_join_cut(m, &njm, NULL);
        assert_non_null(mj);
        sc = clu_table_result(mj, &ns);
        assert_int_equal(ns, nc);
        for (i = 0; i < ns; i++)
            for (k = 0; k < sc[i].nmembers; k++)
                same += !strcmp(sc[i].id_hex, key[sc[i].members[k]]);
        printf("# two shards merged and joined: %zu clusters, %zu of %zu reports where one run "
               "puts them\n",
               ns, same, n);
        assert_int_equal(same, n);
        assert_int_equal(njm, njoined);
        clu_table_free(mj);
        clu_table_free(m);
    }
    tl_bcubed(key, label, n, &p, &r);
    printf("# cut kext lists: %zu reports, %zu bugs, %zu keys unjoined, %zu clusters joined "
           "(%zu joins); BCubed P=%.4f R=%.4f F=%.4f\n",
           n, (size_t)NBUGS, own_keys, nc, njoined, p, r, 2 * p * r / (p + r));
    assert_true(n >= 200);
    /* zeta-lock, zeta-vnode and foonic-pf join; the two GP faults' copies stay apart */
    assert_int_equal(njoined, 3);
    for (i = 0; i < njoined; i++)
        assert_string_not_equal(joins[i].from, joins[i].to);
    assert_true(p == 1.0);
    assert_true(r == 1.0);
    for (i = 0; i < n; i++)
        free((char *)own[i]);
    free(own);
    free(key);
    free(label);
    free(joins);
    clu_table_free(j);
    clu_table_free(t);
    for (k = 0; k < 2; k++) {
        clu_table_free(sh[k]);
        free(map[k]);
    }
    sym_ctx_free(s);
    clu_rules_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_fleet),
    };

    return cmocka_run_group_tests_name("joinfleet", tests, NULL, NULL);
}
