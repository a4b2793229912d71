/*
 * ing_plist.c - XML property lists holding panic text (FORMATS.md §9).
 *
 * libxml2 parses without network access, without loading any DTD and without substituting
 * entities; a document with a DTD internal subset or any entity reference is refused, so no
 * external entity is read and no expansion bomb can go off. Panic text is taken from a
 * top-level string (panicString, macOSPanicString, description, then any other), or from
 * NVRAM-packed 'aapl,panic-info' data.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <strings.h>

#include "ingest/ing_int.h"
#include "util/hex.h"
#include "util/err.h"
#include "util/xalloc.h"

static int
is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static const xmlNode *
next_elem(const xmlNode *n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

/* 1 when any entity reference hides below n */
static int
has_entity_ref(const xmlNode *n)
{
    for (; n; n = n->next) {
        if (n->type == XML_ENTITY_REF_NODE || n->type == XML_ENTITY_NODE ||
            n->type == XML_ENTITY_DECL)
            return 1;
        if (n->children && has_entity_ref(n->children))
            return 1;
    }
    return 0;
}

static char *
text_of(struct arena *a, const xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *s, *w;
    const char *p;

    if (!c)
        return arena_strdup(a, "");
    s = arena_strdup(a, (const char *)c);
    xmlFree(c);
    /* CRLF (and a lone CR) to LF */
    for (p = w = s; *p; p++) {
        if (*p == '\r') {
            *w++ = '\n';
            if (p[1] == '\n')
                p++;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return s;
}

/* base64 (whitespace ignored) -> 7-bit unpacked text (xnu packA/unpackA), NULs stripped */
static char *
unpack_panic_info(struct arena *a, const char *b64, size_t max)
{
    struct buf raw = BUF_INIT_MAX(max), out = BUF_INIT_MAX(max);
    unsigned acc = 0, bits = 0, low = 0;
    size_t i;
    char *res;

    for (; *b64; b64++) {
        int v = base64_digit((unsigned char)*b64);

        if (v < 0)
            continue;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (buf_addc(&raw, (char)((acc >> bits) & 0xff)) < 0)
                break;
        }
    }
    for (i = 0; i < raw.len; i++) {
        unsigned v = (unsigned char)raw.data[i], b = (unsigned)(i % 7);

        buf_addc(&out, (char)((((v & (0x7fu >> b)) << b) | low) & 0x7f));
        low = v >> (7 - b);
        if (b == 6) {
            buf_addc(&out, (char)(low & 0x7f));
            low = 0;
        }
    }
    while (out.len && out.data[out.len - 1] == '\0')
        out.len--;
    for (i = 0; i < out.len; i++)
        if (!out.data[i])
            out.data[i] = ' ';
    res = arena_strndup(a, out.data, out.len);
    buf_release(&raw);
    buf_release(&out);
    return res;
}

/* libxml2 reports to stderr through a process-wide handler; the parser's verdict is enough */
static void
xml_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

struct cand {
    const char *key, *text;
};

/* what the top-level dict says: the candidates for the panic text and the metadata */
struct found {
    struct cand named[3]; /* panicString, macOSPanicString, description */
    struct buf packed;    /* aapl,panic-info data, concatenated in document order */
    const char *first_other, *bug_type, *os_version, *when, *product, *incident;
};

static void
take_string(struct found *fd, const char *key, const char *s)
{
    int i;

    for (i = 0; i < 3; i++)
        if (!strcmp(key, fd->named[i].key) && !fd->named[i].text)
            fd->named[i].text = s;
    if (!strcmp(key, "bug_type"))
        fd->bug_type = s;
    else if (!strcmp(key, "os_version"))
        fd->os_version = s;
    else if (!strcmp(key, "timestamp") || !strcmp(key, "date"))
        fd->when = fd->when ? fd->when : s;
    else if (!strcmp(key, "product"))
        fd->product = s;
    else if (!strcmp(key, "incident_id"))
        fd->incident = s;
    else if (!fd->first_other && strstr(s, "panic(cpu"))
        fd->first_other = s;
}

static void
read_dict(const xmlNode *dict, struct arena *a, struct found *fd)
{
    const xmlNode *k, *v;

    for (k = next_elem(dict->children); k; k = next_elem(v ? v->next : NULL)) {
        char *key;

        v = NULL;
        if (!is(k, "key"))
            break;
        v = next_elem(k->next);
        if (!v)
            break;
        key = text_of(a, k);
        if (is(v, "string"))
            take_string(fd, key, text_of(a, v));
        else if (is(v, "integer") && !strcmp(key, "bug_type"))
            fd->bug_type = text_of(a, v);
        else if (is(v, "date") && (!strcmp(key, "timestamp") || !strcmp(key, "date")))
            fd->when = fd->when ? fd->when : text_of(a, v);
        else if (is(v, "data") && !strncmp(key, "aapl,panic-info", 15))
            buf_adds(&fd->packed, text_of(a, v));
        else if (is(v, "data") && !strncasecmp(key, "AAPL,PanicInfo", 14))
            /* split NVRAM variables come in document order; concatenated as found */
            buf_adds(&fd->packed, text_of(a, v));
    }
}

/* the document's top-level dict, or NULL with why in err */
static const xmlNode *
top_dict(xmlDocPtr doc, struct buf *err, int *ret)
{
    const xmlNode *root, *dict;

    if (doc->intSubset && (doc->intSubset->children || doc->intSubset->entities)) {
        *ret = kpt_fail(err, KPT_E_FORMAT,
                        "XML property list with a DTD internal subset (entities are refused)");
        return NULL;
    }
    root = xmlDocGetRootElement(doc);
    if (has_entity_ref(root)) {
        *ret = kpt_fail(err, KPT_E_FORMAT, "XML property list with an entity reference (refused)");
        return NULL;
    }
    if (!is(root, "plist") || !is(dict = next_elem(root->children), "dict")) {
        *ret = kpt_fail(err, KPT_E_FORMAT,
                        "XML document is not a property list with a top-level dict");
        return NULL;
    }
    return dict;
}

/* the panic text among what the dict holds, or NULL with why in err */
static const char *
choose_text(struct found *fd, const struct kpt_limits *lim, struct arena *a, struct buf *err,
            int *ret)
{
    const char *text = NULL;
    int i;

    if (fd->bug_type && strcmp(fd->bug_type, "210")) {
        *ret = kpt_fail(err, KPT_E_FORMAT, "bug_type ");
        kpt_quote(err, fd->bug_type);
        buf_adds(err, " is not a panic report (210)");
        return NULL;
    }
    for (i = 0; i < 3 && !text; i++)
        if (fd->named[i].text && strstr(fd->named[i].text, "panic(cpu"))
            text = fd->named[i].text;
    if (!text)
        text = fd->first_other;
    if (!text && fd->packed.len) {
        text = unpack_panic_info(a, fd->packed.data, lim->max_file_bytes);
        if (!*text) { /* a panic property list with nothing in it: damaged, not another kind */
            *ret = kpt_fail(err, KPT_E_PARSE,
                            "aapl,panic-info holds no text (its data is empty or all NUL bytes)");
            return NULL;
        }
    }
    for (i = 0; i < 3 && !text; i++)
        if (fd->named[i].text && *fd->named[i].text)
            text = fd->named[i].text;
    if (!text)
        *ret = kpt_fail(err, KPT_E_FORMAT, "property list holds no panic text");
    return text;
}

int
ing_plist_parse(const char *data, size_t len, const struct kpt_limits *lim, struct arena *a,
                struct kpt_report *r, struct buf *err)
{
    xmlDocPtr doc = NULL;
    const xmlNode *dict;
    struct found fd = {
        { { "panicString", NULL }, { "macOSPanicString", NULL }, { "description", NULL } },
        BUF_INIT,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL
    };
    const char *text;
    int ret = 0;

    r->format = KPT_FMT_PLIST;
    xmlSetGenericErrorFunc(NULL, xml_quiet);
    if (len > (size_t)0x7fffffff)
        return KPT_E_LIMIT;
    doc = xmlReadMemory(data, (int)len, "report.plist", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        ret = kpt_fail(err, KPT_E_PARSE, "XML property list does not parse");
        goto out;
    }
    if (!(dict = top_dict(doc, err, &ret)))
        goto out;
    read_dict(dict, a, &fd);
    if (!(text = choose_text(&fd, lim, a, err, &ret)))
        goto out;
    ret = ing_text_parse(text, strlen(text), lim, a, r);
    if (ret == KPT_E_FORMAT && !r->panic_string && *text) {
        r->panic_string = text;
        ret = 0;
    }
    if (ret < 0 && !r->error) /* every refusal says why */
        kpt_fail(err, ret, "property list's panic text holds nothing a panic report has");
    if (!r->os_version && fd.os_version)
        r->os_version = fd.os_version;
    if (!r->os_build && fd.os_version)
        r->os_build = ing_build_from_version(a, fd.os_version);
    if (!r->model && fd.product && *fd.product)
        r->model = fd.product;
    if (!r->incident && fd.incident)
        r->incident = fd.incident;
    if (fd.when) {
        int64_t w;

        if (!ing_parse_ips_time(fd.when, &w)) {
            r->when = w;
            r->has_when = 1;
            r->when_local = 0;
        }
    }
out:
    buf_release(&fd.packed);
    xmlFreeDoc(doc);
    return ret;
}
