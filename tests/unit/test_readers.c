/*
 * test_readers.c - what report/ writes, readers/ reads back whole: every scalar of
 * kpt_cluster_scalars through a state (write, read), every scalar of kpt_report_scalars
 * through a --json row (write, rebuild), each set to a value of its own that is not its
 * nothing, so that a field a table names but a side skips fails here; and the baseline's
 * counts checked (-5 is no count); every CSV column the tables name is in the CSV.
 */
#include "tests/unit/testlib.h"

#include <inttypes.h>

#include "readers/rd.h"
#include "util/err.h"
#include "report/rep.h"
#include "util/xalloc.h"

#define AT(obj, off, type) (*(type *)((char *)(obj) + (off)))

/* a text of field i: not UTF-8 and with a backslash where it is kept lossless */
static char *
text_of(struct arena *a, size_t i, int lossless)
{
    return arena_printf(a, lossless ? "v%zu \xff\\x \xc3\xa9" : "v%zu \xc3\xa9", i);
}

/* every field of table t in obj set to a value of its own (strings in a when owned is 0) */
static void
fill(const struct kpt_scalar *t, void *obj, struct arena *a, int owned, unsigned in)
{
    size_t i, k;

    for (i = 0; t[i].key; i++) {
        const struct kpt_scalar *f = &t[i];
        int lossless = owned || (f->in & KPT_IN_LOSSLESS);
        char *s = text_of(a, i, lossless), **v;

        if (!(f->in & in))
            continue;
        switch (f->type) {
        case KPT_SC_STR: AT(obj, f->off, char *) = owned ? xstrdup(s) : s; break;
        case KPT_SC_KEY:
            s = arena_printf(a, "%016" PRIx64, (uint64_t)0xabc0 + i);
            AT(obj, f->off, char *) = owned ? xstrdup(s) : s;
            if (f->in & KPT_IN_KEYVAL)
                AT(obj, f->aux, uint64_t) = 0xabc0 + i;
            break;
        case KPT_SC_COUNT:
        case KPT_SC_SEQ: AT(obj, f->off, size_t) = 100 + i; break;
        case KPT_SC_TIME:
            AT(obj, f->aux, unsigned char) = AT(obj, f->aux2, unsigned char) = 1;
            /* fall through */
        case KPT_SC_I64: AT(obj, f->off, int64_t) = 1700000000 + (int64_t)i; break;
        case KPT_SC_FLAG: AT(obj, f->off, unsigned char) = 1; break;
        case KPT_SC_INT: AT(obj, f->off, int) = 10 + (int)i; break;
        case KPT_SC_ENUM: AT(obj, f->off, int) = f->nnames - 1; break;
        case KPT_SC_UUID:
            for (k = 0; k < 16; k++)
                ((uint8_t *)obj + f->off)[k] = (uint8_t)(i + k + 1);
            AT(obj, f->aux, unsigned char) = 1;
            break;
        case KPT_SC_ADDR:
            AT(obj, f->off, uint64_t) = 0xffffff8000000000ull + i;
            AT(obj, f->aux, unsigned char) = 1;
            break;
        case KPT_SC_STRS:
            v = f->n ? (char **)((char *)obj + f->off) : xcalloc(3, sizeof(*v));
            if (!f->n)
                AT(obj, f->off, char **) = v;
            v[0] = xstrdup(s);
            v[1] = xstrdup("second");
            AT(obj, f->aux, size_t) = 2;
            break;
        case KPT_SC_SEQS:
            AT(obj, f->off, size_t *) = xcalloc(2, sizeof(size_t));
            AT(obj, f->aux, size_t) = 1;
            AT(obj, f->aux2, size_t) = 2;
            break;
        case KPT_SC_PART: break;
        }
    }
}

static int
str_same(const char *x, const char *y)
{
    return x && y ? !strcmp(x, y) : x == y;
}

/* field f the same in x and y */
static int
same(const struct kpt_scalar *f, const void *x, const void *y)
{
    size_t k;

    switch (f->type) {
    case KPT_SC_STR:
    case KPT_SC_KEY:
        return str_same(AT(x, f->off, char *), AT(y, f->off, char *)) &&
               (!(f->in & KPT_IN_KEYVAL) || AT(x, f->aux, uint64_t) == AT(y, f->aux, uint64_t));
    case KPT_SC_COUNT:
    case KPT_SC_SEQ: return AT(x, f->off, size_t) == AT(y, f->off, size_t);
    case KPT_SC_TIME:
        if (AT(x, f->aux, unsigned char) != AT(y, f->aux, unsigned char) ||
            AT(x, f->aux2, unsigned char) != AT(y, f->aux2, unsigned char))
            return 0;
        /* fall through */
    case KPT_SC_I64: return AT(x, f->off, int64_t) == AT(y, f->off, int64_t);
    case KPT_SC_FLAG: return AT(x, f->off, unsigned char) == AT(y, f->off, unsigned char);
    case KPT_SC_INT:
    case KPT_SC_ENUM: return AT(x, f->off, int) == AT(y, f->off, int);
    case KPT_SC_UUID:
        return AT(x, f->aux, unsigned char) == AT(y, f->aux, unsigned char) &&
               !memcmp((const char *)x + f->off, (const char *)y + f->off, 16);
    case KPT_SC_ADDR:
        return AT(x, f->aux, unsigned char) == AT(y, f->aux, unsigned char) &&
               AT(x, f->off, uint64_t) == AT(y, f->off, uint64_t);
    case KPT_SC_STRS: {
        char **a = f->n ? (char **)((char *)x + f->off) : AT(x, f->off, char **);
        char **b = f->n ? (char **)((char *)y + f->off) : AT(y, f->off, char **);

        if (AT(x, f->aux, size_t) != AT(y, f->aux, size_t))
            return 0;
        for (k = 0; k < AT(x, f->aux, size_t); k++)
            if (!str_same(a[k], b[k]))
                return 0;
        return 1;
    }
    case KPT_SC_SEQS:
        if (AT(x, f->aux, size_t) != AT(y, f->aux, size_t))
            return 0;
        for (k = 0; k < AT(x, f->aux, size_t); k++)
            if (AT(x, f->off, size_t *)[k] != AT(y, f->off, size_t *)[k])
                return 0;
        return 1;
    case KPT_SC_PART: break;
    }
    return 1;
}

static void
assert_all_same(const struct kpt_scalar *t, unsigned in, const void *x, const void *y)
{
    for (; t->key; t++)
        if ((t->in & in) && !same(t, x, y))
            fail_msg("field '%s' does not come back as it was written", t->key);
}

/* a report with every scalar set: ok, not excluded (so that a state's cluster holds it) */
static void
report_of(struct kpt_report *r, struct arena *a, const char *sig_id, const char *signature)
{
    kpt_report_init(r, a, "x");
    fill(kpt_report_scalars, r, a, 0, KPT_IN_JSON);
    r->status = KPT_ST_OK;
    r->excluded = 0;
    r->identity = "text:0123456789abcdef0123456789abcdef";
    r->sig_id = sig_id;
    r->sig_key = strtoull(sig_id, NULL, 16);
    r->signature = signature;
}

static void
test_state_round_trip(void **state)
{
    struct arena *a = arena_new(4096);
    struct kpt_cluster c;
    struct kpt_summary s;
    struct kpt_report r, back;
    struct kpt_state st;
    struct buf csv = BUF_INIT, js = BUF_INIT, err = BUF_INIT;
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);

    (void)state;
    memset(&c, 0, sizeof(c));
    fill(kpt_cluster_scalars, &c, a, 1, KPT_IN_STATE);
    /* what a state of one report must say to be valid */
    c.count = 1;
    c.members[0] = 0;
    c.first_seq = c.culprit_seq = 0;
    free(c.signature); /* a report row shows its signature made valid UTF-8 */
    c.signature = xstrdup("sig \xc3\xa9");
    memset(&s, 0, sizeof(s));
    s.files = s.ok = 1;
    s.algo = "xnusig/1";
    s.rules = "0123456789abcdef";
    s.clusters = &c;
    s.nclusters = 1;
    report_of(&r, a, c.id_hex, c.signature);
    rep_reports_csv_row_buf(&csv, a, &r);
    rep_json_report_buf(&js, a, &r);
    assert_int_equal(rep_state_begin(f), 0);
    assert_int_equal(rep_state_report(f, r.path, csv.data, js.data, 1), 0);
    assert_int_equal(rep_state_end(f, &s), 0);
    fclose(f);
    if (rd_state_parse(data, len, "test", &st, &err) < 0)
        fail_msg("%s", err.data);
    assert_int_equal(st.nclusters, 1);
    assert_int_equal(st.nrows, 1);
    assert_all_same(kpt_cluster_scalars, KPT_IN_STATE, &c, &st.clusters[0]);
    /* the row: rebuilt, every field as the report had it */
    assert_int_equal(rd_state_row_report(&st.rows[0], a, &back), 0);
    assert_all_same(kpt_report_scalars, KPT_IN_JSON, &r, &back);
    /* and excluded, which a state's only row cannot be */
    free(st.rows[0].json);
    r.excluded = 1;
    buf_reset(&js);
    rep_json_report_buf(&js, a, &r);
    st.rows[0].json = xstrdup(js.data);
    assert_int_equal(rd_state_row_report(&st.rows[0], a, &back), 0);
    assert_all_same(kpt_report_scalars, KPT_IN_JSON, &r, &back);
    rd_state_release(&st);
    kpt_cluster_release(&c);
    buf_release(&csv);
    buf_release(&js);
    buf_release(&err);
    free(data);
    arena_free(a);
}

static void
test_state_old_version(void **state)
{
    static const char old[] = "{\"kind\":\"kptrace-batch state\",\"version\":2,\"reports\":[]}";
    struct kpt_state st;
    struct buf err = BUF_INIT;

    (void)state;
    assert_true(rd_state_parse(old, sizeof(old) - 1, "old", &st, &err) < 0);
    assert_non_null(strstr(err.data, "version 3"));
    buf_release(&err);
}

static void
test_baseline_counts(void **state)
{
    static const char *const bad[] = { "-5", "", "12x", "+3", "99999999999999999999" };
    struct kpt_baseline b;
    struct buf err = BUF_INIT, in = BUF_INIT;
    size_t i;

    (void)state;
    buf_adds(&in, "rank,signature_id,count,signature\r\n1,0123456789abcdef,7,\"a, b\"\r\n");
    assert_int_equal(rd_baseline_parse(in.data, in.len, "t", &b, &err), 0);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.v[0].count, 7);
    assert_string_equal(b.v[0].signature, "a, b");
    kpt_baseline_release(&b);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        buf_reset(&in);
        buf_addf(&in, "rank,signature_id,count\r\n1,0123456789abcdef,%s\r\n", bad[i]);
        buf_reset(&err);
        if (rd_baseline_parse(in.data, in.len, "t", &b, &err) >= 0)
            fail_msg("baseline count '%s' accepted", bad[i]);
        assert_non_null(strstr(err.data, "record 2"));
    }
    buf_release(&err);
    buf_release(&in);
}

/* column name in a CSV header line */
static int
has_column(const char *header, const char *col)
{
    size_t n = strlen(col);
    const char *p;

    for (p = header; (p = strstr(p, col)); p += n)
        if ((p == header || p[-1] == ',') && (p[n] == ',' || p[n] == '\r'))
            return 1;
    return 0;
}

/* the rows of the model's tables: each up to the id past the last has a key (no row left
 * out of the designated initializers), and the clusters CSV names the columns a baseline
 * is read by with the same rows */
static void
test_csv_columns(void **state)
{
    const char *const by[] = { kpt_cluster_scalars[KPT_CS_ID].key,
                               kpt_cluster_scalars[KPT_CS_COUNT].key,
                               kpt_cluster_scalars[KPT_CS_SIGNATURE].key,
                               kpt_summary_fields[KPT_SF_ALGO].name,
                               kpt_summary_fields[KPT_SF_RULES].name };
    struct kpt_summary s;
    struct kpt_run_hist h;
    char *data = NULL;
    size_t len = 0, i;
    FILE *f = open_memstream(&data, &len);

    (void)state;
    for (i = 0; i < KPT_CS_N; i++)
        assert_non_null(kpt_cluster_scalars[i].key);
    assert_null(kpt_cluster_scalars[KPT_CS_N].key);
    for (i = 0; i < KPT_RS_N; i++)
        assert_non_null(kpt_report_scalars[i].key);
    assert_null(kpt_report_scalars[KPT_RS_N].key);
    for (i = 0; i < KPT_SF_N; i++)
        assert_non_null(kpt_summary_fields[i].name);
    for (i = 0; i < KPT_CF_N; i++)
        assert_non_null(kpt_cluster_fields[i].name);
    memset(&s, 0, sizeof(s));
    memset(&h, 0, sizeof(h));
    s.hist = &h; /* with every column */
    assert_int_equal(rep_clusters_csv(f, &s), 0);
    fclose(f);
    for (i = 0; i < sizeof(by) / sizeof(by[0]); i++)
        if (!has_column(data, by[i]))
            fail_msg("baseline column '%s' is not in the clusters CSV", by[i]);
    free(data);
}

/* the symbol cache: a record is kept only as the tool writes one (numbers whole and in range,
 * status 0 or 1, only its escapes, names within their bounds); a cut last record is skipped
 * and leaves the file not intact; another lldb's header: nothing */
static void
test_symcache(void **state)
{
    static const char *const bad[] = {
        "20\t1\t4\t4294967296\t_line_too_big\t\tk.c", /* past UINT_MAX: was truncated */
        "30x\t1\t4\t1\t_addr_junk\t\tk.c",
        "40\t1\t-4\t1\t_neg_off\t\tk.c",
        "50\t2\t4\t1\t_bad_status\t\tk.c",
        "10000000000000000\t1\t4\t1\t_addr_17_digits\t\tk.c",
        "70\t1\t4\t1\t_bad\\escape\t\tk.c",
        "80\t1\t4\t1\t_trailing\\\t\tk.c",
        "90\t1\t4\t1\t_one_field_too_many\t\tk.c\textra",
        "a0\t1\t4\t1\t_too_few\tk.c",
        "\t1\t4\t1\t_no_addr\t\tk.c",
    };
    struct kpt_symcache c;
    struct buf in = BUF_INIT, err = BUF_INIT, big = BUF_INIT;
    size_t i;

    (void)state;
    buf_adds(&in, "kptrace-batch symbol cache v1\tlldb 1 2\n"
                  "10\t1\t4\t12\t_ok\\t\\n\\\\\tinl\tk.c\n"
                  "60\t0\t0\t0\t\t\t\n");
    assert_int_equal(rd_symcache_parse(in.data, in.len, "lldb 1 2", &c, &err), 0);
    assert_true(c.ours && c.intact && c.n == 2 && c.bad == 0);
    assert_true(c.rec[0].addr == 0x10 && c.rec[0].found && c.rec[0].off == 4 &&
                c.rec[0].line == 12);
    assert_string_equal(c.rec[0].func, "_ok\t\n\\");
    assert_string_equal(c.rec[0].inl, "inl");
    assert_string_equal(c.rec[0].file, "k.c");
    assert_true(!c.rec[1].found && !c.rec[1].func && !c.rec[1].inl && !c.rec[1].file);
    kpt_symcache_release(&c);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        buf_reset(&in);
        buf_addf(&in, "kptrace-batch symbol cache v1\tlldb 1 2\n%s\n", bad[i]);
        assert_int_equal(rd_symcache_parse(in.data, in.len, "lldb 1 2", &c, &err), 0);
        if (c.n || c.bad != 1)
            fail_msg("symbol cache record '%s' kept", bad[i]);
        kpt_symcache_release(&c);
    }
    /* a name one byte over its bound */
    buf_reset(&in);
    buf_adds(&in, "kptrace-batch symbol cache v1\tlldb 1 2\n10\t1\t4\t12\t_f\t\t");
    for (i = 0; i <= KPT_MAX_FILE_NAME; i++)
        buf_addc(&big, 'x');
    buf_addf(&in, "%s\n", big.data);
    assert_int_equal(rd_symcache_parse(in.data, in.len, "lldb 1 2", &c, &err), 0);
    assert_true(c.n == 0 && c.bad == 1);
    kpt_symcache_release(&c);
    /* the last record cut: skipped, and the file is not to be appended to */
    buf_reset(&in);
    buf_adds(&in, "kptrace-batch symbol cache v1\tlldb 1 2\n10\t1\t4\t12\t_ok\t\tk.c\n20\t1\t4");
    assert_int_equal(rd_symcache_parse(in.data, in.len, "lldb 1 2", &c, &err), 0);
    assert_true(c.ours && !c.intact && c.n == 1 && c.bad == 1);
    kpt_symcache_release(&c);
    /* another lldb: nothing, a reason */
    buf_reset(&in);
    buf_adds(&in, "kptrace-batch symbol cache v1\tlldb 1 3\n10\t1\t4\t12\t_ok\t\tk.c\n");
    assert_true(rd_symcache_parse(in.data, in.len, "lldb 1 2", &c, &err) == KPT_E_FORMAT);
    assert_true(!c.ours && !c.intact && c.n == 0 && err.len);
    kpt_symcache_release(&c);
    buf_release(&big);
    buf_release(&err);
    buf_release(&in);
}

/* the catalogue: lines kept as the tool writes them, the others skipped and counted */
static void
test_catalogue(void **state)
{
    static const char text[] =
        "kptrace-batch catalogue v1\n"
        "P\t/k/Foo.kext/Contents/Info.plist\t371\t17\t53\tcom.example.Foo\tFoo\n"
        "M\t/k/Foo\t50080\t17\t54\t1\t16777228\t0\t4c4c44bc55553144a161c5fb0598f1aa\t0\t4000\t-\t0"
        "\n"
        "M\t/k/not-macho\t5\t6\t7\t0\n"
        "M\t/k/bad-count\t5\t6\t7\t3\n"
        "M\t/k/nine\t5\t6\t7\t9\n"
        "M\t/k/wraps\t5\t6\t7\t1\t1\t0\t-\tffffffffffffff00\t100\t-\t0\n"
        "M\t/k/cpu\t5\t6\t7\t1\t2147483648\t0\t-\t-\t0\t-\t0\n"
        "M\t/k/uuid\t5\t6\t7\t1\t1\t0\t4c4c\t-\t0\t-\t0\n"
        "P\t/k/slash\t1\t2\t3\tcom.x\ta/b\n"
        "P\t/k/ctl\x01\t1\t2\t3\tcom.x\tx\n"
        "Q\tunknown\n"
        "M\t/k/cut\t5";
    struct kpt_catalogue c;
    struct buf err = BUF_INIT;

    (void)state;
    assert_int_equal(rd_catalogue_parse(text, sizeof(text) - 1, &c, &err), 0);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.bad, 8);
    assert_true(c.e[0].kind == 'P' && !strcmp(c.e[0].id, "com.example.Foo") &&
                !strcmp(c.e[0].exe, "Foo"));
    assert_true(c.e[1].kind == 'M' && c.e[1].nslices == 1 && c.e[1].sl[0].cputype == 16777228);
    assert_true(c.e[1].sl[0].has_uuid && c.e[1].sl[0].uuid[0] == 0x4c &&
                c.e[1].sl[0].uuid[15] == 0xaa);
    assert_true(c.e[1].sl[0].has_text && c.e[1].sl[0].text_size == 0x4000 &&
                !c.e[1].sl[0].has_exec);
    assert_true(c.e[2].nslices == 0);
    /* an Info.plist whose executable names a path: no names kept */
    assert_true(c.e[3].kind == 'P' && !c.e[3].id && !c.e[3].exe);
    kpt_catalogue_release(&c);
    assert_true(rd_catalogue_parse("kptrace-batch catalogue v2\nP\t/a\t1\t2\t3\t-\t-\n", 45, &c,
                                   &err) == KPT_E_FORMAT);
    assert_true(c.n == 0 && c.bad == 1 && err.len);
    kpt_catalogue_release(&c);
    buf_release(&err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_round_trip), cmocka_unit_test(test_state_old_version),
        cmocka_unit_test(test_baseline_counts),  cmocka_unit_test(test_csv_columns),
        cmocka_unit_test(test_symcache),         cmocka_unit_test(test_catalogue),
    };

    return cmocka_run_group_tests_name("readers", tests, NULL, NULL);
}
