/*
 * ing_json.c - .ips bug_type 210 (kind C) and JSON-wrapped Intel .panic (kind B).
 *
 * A header line (compact JSON with "bug_type"), then a separate JSON body. The body is
 * parsed with jansson; when that fails (truncated, reflowed or pasted fragments) a lenient
 * scanner salvages "key" : "string" pairs (FORMATS.md §5.3). The panic text inside is then
 * read by the text grammar.
 */
#include <jansson.h>
#include <string.h>

#include "ingest/ing_int.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/xalloc.h"

#define LENIENT_MAX (8u << 20)

/*
 * Lenient: find "key" then ':' then '"' anywhere in data and read the string up to an
 * unescaped quote. An unterminated string (cut file) is kept up to its last complete line
 * ('\n' escape or real newline) and *cut is set. Returns an arena string or NULL.
 */
static const char *
lenient_string(struct arena *a, const char *data, size_t len, const char *key, int *cut)
{
    size_t kn = strlen(key), i;
    const char *end = data + len;

    for (i = 0; i + kn + 2 <= len; i++) {
        const char *p, *s;
        struct buf b = BUF_INIT_MAX(LENIENT_MAX);
        const char *res;
        size_t n;

        if (data[i] != '"' || memcmp(data + i + 1, key, kn) || data[i + 1 + kn] != '"')
            continue;
        p = data + i + kn + 2;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end || *p != ':')
            continue;
        p++;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end || *p != '"')
            continue;
        s = ++p;
        while (p < end && *p != '"') {
            if (*p == '\\' && p + 1 < end)
                p++;
            p++;
        }
        n = (size_t)(p - s);
        if (p >= end) {
            /* cut: keep up to the last complete line */
            size_t k = n;

            *cut = 1;
            while (k > 0) {
                if (s[k - 1] == '\n')
                    break;
                if (k >= 2 && s[k - 2] == '\\' && s[k - 1] == 'n')
                    break;
                k--;
            }
            n = k;
        }
        ing_json_unescape(s, n, &b);
        res = arena_strndup(a, b.data, b.len);
        buf_release(&b);
        return res;
    }
    return NULL;
}

static const char *
jstr(struct arena *a, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    const char *s;
    size_t n, i;
    char *c;

    if (json_is_integer(v))
        return arena_printf(a, "%lld", (long long)json_integer_value(v));
    if (!json_is_string(v))
        return NULL;
    s = json_string_value(v);
    n = json_string_length(v);
    c = arena_strndup(a, s, n);
    for (i = 0; i < n; i++)
        if (!c[i])
            c[i] = '?'; /* NUL inside a JSON string */
    return c;
}

struct fields {
    const char *panic, *host_panic, *build, *product, *kernel, *date, *incident;
    const char *hdr_version, *hdr_time, *hdr_incident, *bug_type;
};

static void
from_body(const struct ing_body *b, struct fields *f)
{
    f->panic = b->s[ING_B_PANIC];
    f->host_panic = b->s[ING_B_HOST_PANIC];
    f->build = b->s[ING_B_BUILD];
    f->product = b->s[ING_B_PRODUCT];
    f->kernel = b->s[ING_B_KERNEL];
    f->date = b->s[ING_B_DATE];
    f->incident = b->s[ING_B_INCIDENT];
}

static void
from_lenient(struct arena *a, const char *s, size_t n, struct fields *f, int *cut)
{
    int dummy = 0;

    f->panic = lenient_string(a, s, n, "panicString", cut);
    f->host_panic = lenient_string(a, s, n, "macOSPanicString", &dummy);
    f->build = lenient_string(a, s, n, "build", &dummy);
    f->product = lenient_string(a, s, n, "product", &dummy);
    f->kernel = lenient_string(a, s, n, "kernel", &dummy);
    f->date = lenient_string(a, s, n, "date", &dummy);
    f->incident = lenient_string(a, s, n, "incident", &dummy);
}

/* A damaged body may start inside the panic string (a TAIL excerpt): salvage the text
 * before the first "key" : line. */
static const char *
leading_fragment(struct arena *a, const char *s, size_t n)
{
    size_t i = 0, frag_end = 0;
    struct buf b = BUF_INIT_MAX(LENIENT_MAX);
    const char *res;

    while (i < n) {
        size_t j = i;

        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j < n && s[j] == '"') {
            frag_end = i;
            break;
        }
        while (j < n && s[j] != '\n')
            j++;
        i = j + 1;
        frag_end = i < n ? i : n;
    }
    if (!frag_end)
        return NULL;
    ing_json_unescape(s, frag_end, &b);
    res = b.len ? arena_strndup(a, b.data, b.len) : NULL;
    buf_release(&b);
    return res;
}

static int
contains(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

/* the header line at data + hdr: its fields into f, the body after it in *bs, *bn.
 * KPT_E_PARSE when it is no JSON object, KPT_E_FORMAT for another bug_type than 210. */
static int
read_header(const char *data, size_t len, size_t hdr, struct arena *a, struct fields *f,
            const char **bs, size_t *bn, struct buf *err)
{
    const char *h = data + hdr, *nl = memchr(h, '\n', len - hdr);
    size_t hn = nl ? (size_t)(nl - h) : len - hdr;
    json_error_t jerr;
    json_t *header = json_loadb(h, hn, JSON_REJECT_DUPLICATES, &jerr);
    int ret;

    if (!json_is_object(header)) {
        json_decref(header);
        return kpt_fail(err, KPT_E_PARSE, "the .ips header line is no JSON object");
    }
    f->bug_type = jstr(a, header, "bug_type");
    f->hdr_version = jstr(a, header, "os_version");
    f->hdr_time = jstr(a, header, "timestamp");
    f->hdr_incident = jstr(a, header, "incident_id");
    json_decref(header);
    if (!f->bug_type || strcmp(f->bug_type, "210")) {
        ret = kpt_fail(err, KPT_E_FORMAT, "bug_type ");
        kpt_quote(err, f->bug_type ? f->bug_type : "missing");
        buf_adds(err, " is not a panic report (210)");
        return ret;
    }
    *bs = nl ? nl + 1 : data + len;
    *bn = (size_t)(data + len - *bs);
    return 0;
}

/* which panic text to read: the Intel host's (kind B; a T2 with a host panic only), else the
 * panicString (or a damaged body's leading fragment); a T2 Mac with both: the host's when it
 * has a backtrace, else bridgeOS's, the other one's message kept beside */
static const char *
choose_text(const struct fields *f, const char *frag, int kind_b, const struct kpt_limits *lim,
            struct arena *a, struct kpt_report *r)
{
    const char *text;

    if (kind_b || (!contains(f->panic, "panic(") && contains(f->host_panic, "panic(cpu")))
        text = f->host_panic;
    else
        text = f->panic ? f->panic : frag;
    if (!kind_b && contains(f->panic, "panic(") && contains(f->host_panic, "panic(cpu")) {
        struct kpt_report h, b;

        kpt_report_init(&h, a, r->path);
        kpt_report_init(&b, a, r->path);
        ing_text_parse(f->host_panic, strlen(f->host_panic), lim, a, &h);
        ing_text_parse(f->panic, strlen(f->panic), lim, a, &b);
        if (h.panic_string && h.nframes) {
            text = f->host_panic;
            r->panic_source = KPT_PS_HOST;
            r->other_panic = b.panic_string ? b.panic_string : f->panic;
        } else {
            r->panic_source = KPT_PS_BRIDGE;
            r->other_panic = h.panic_string ? h.panic_string : f->host_panic;
        }
    }
    return text;
}

/* the stackshot, read only for a panic that names a starved party */
static void
read_hang(const char *bs, size_t bn, size_t hdr, struct ing_body *body, struct arena *a,
          struct kpt_report *r)
{
    const char *fb, *svc = ing_hang_service(a, r->panic_string, &fb);

    if (!svc)
        return;
    if (hdr == (size_t)-1)
        ing_body_scan(bs, bn, 4096, a, body); /* a fragment: where is its stackshot? */
    if (body->has_pss && !body->procs) {
        /* an Intel Mac's: a processed stackshot in text, base64 (or why there is none) */
        r->ss = body->pss ? ing_pss_from(body->pss, body->npss, body->pss_cut, a) : NULL;
        if (!body->pss) {
            r->ss = arena_alloc(a, sizeof(*r->ss));
            memset(r->ss, 0, sizeof(*r->ss));
            r->ss->damage = "macOSProcessedStackshotData is not a string";
        }
    } else {
        r->ss = ing_ss_from(body, a);
        if (!r->ss->damage && !body->ok && (body->procs || body->images))
            r->ss->damage = "the body is cut short or malformed";
    }
    ing_hang_choose(a, r, svc, fb);
}

/* container metadata fills what the text did not say */
static void
fill_from_container(const struct fields *f, struct arena *a, struct kpt_report *r)
{
    int64_t when;

    if (!r->os_version)
        r->os_version = f->hdr_version ? f->hdr_version : f->build;
    if (!r->os_build && f->hdr_version)
        r->os_build = ing_build_from_version(a, f->hdr_version);
    if (!r->os_build && f->build)
        r->os_build = ing_build_from_version(a, f->build);
    if (!r->model && f->product && *f->product)
        r->model = f->product;
    if (!r->kernel_version && f->kernel) {
        enum kpt_arch arch = r->arch;

        ing_parse_kernel_version(a, r, f->kernel);
        if (arch != KPT_ARCH_UNKNOWN)
            r->arch = arch;
    }
    if (!r->incident)
        r->incident = f->hdr_incident ? f->hdr_incident : f->incident;
    if ((f->hdr_time && !ing_parse_ips_time(f->hdr_time, &when)) ||
        (f->date && !ing_parse_ips_time(f->date, &when))) {
        r->when = when;
        r->has_when = 1;
        r->when_local = 0;
    }
}

int
ing_json_parse(const char *data, size_t len, size_t hdr, const struct kpt_limits *lim,
               struct arena *a, struct kpt_report *r, struct buf *err)
{
    struct fields f;
    struct ing_body body;
    const char *bs = data, *text, *frag = NULL, *p;
    size_t bn = len;
    int cut = 0, ret = 0, kind_b, lenient = 0;

    memset(&f, 0, sizeof(f));
    if (hdr != (size_t)-1 && (ret = read_header(data, len, hdr, a, &f, &bs, &bn, err)) < 0)
        return ret;
    for (p = bs; p < bs + bn && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'); p++)
        ;
    kind_b = (size_t)(bs + bn - p) >= 30 && !memcmp(p, "{\"macOSProcessedStackshotData\"", 30);
    memset(&body, 0, sizeof(body));
    if (hdr != (size_t)-1)
        ing_body_scan(bs, bn, lim->max_file_bytes, a, &body);
    if (body.ok) {
        from_body(&body, &f);
    } else {
        lenient = 1;
        from_lenient(a, bs, bn > LENIENT_MAX ? LENIENT_MAX : bn, &f, &cut);
        if (!f.panic)
            frag = leading_fragment(a, bs, bn);
    }
    r->format = kind_b ? KPT_FMT_JSON_PANIC : KPT_FMT_IPS;
    text = choose_text(&f, frag, kind_b, lim, a, r);
    if (text) {
        ret = ing_text_parse(text, strlen(text), lim, a, r);
        if (ret == KPT_E_FORMAT)
            ret = 0; /* the container says it is a panic report */
        if (!r->panic_string && text == f.panic && *text)
            r->panic_string = text; /* a panicString with no panic( line */
    }
    if (r->panic_string)
        read_hang(bs, bn, hdr, &body, a, r);
    fill_from_container(&f, a, r);
    if (cut)
        r->truncated = 1;
    /* A body that does not parse but whose panic string is whole (say, cut inside the
     * optional stackshot) lost nothing the report needs; a fragment without its header did. */
    if (lenient && hdr == (size_t)-1) {
        r->damaged = 1;
        ing_set_partial(r, a, "JSON body without its header, salvaged leniently");
    } else if (lenient && (cut || !f.panic)) {
        r->damaged = 1;
        ing_set_partial(r, a, "JSON body does not parse, panic string salvaged leniently");
    }
    if (!text && !f.build && !f.kernel)
        return r->error ? KPT_E_FORMAT
                        : kpt_fail(err, KPT_E_FORMAT, "JSON document without a panic string");
    return ret;
}
