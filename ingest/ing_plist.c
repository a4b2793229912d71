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

static int
b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
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
        int v = b64val((unsigned char)*b64);

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

int
ing_plist_parse(const char *data, size_t len, const struct kpt_limits *lim, struct arena *a,
                struct kpt_report *r)
{
    xmlDocPtr doc = NULL;
    const xmlNode *root, *dict, *k, *v;
    struct cand named[3] = { { "panicString", NULL }, { "macOSPanicString", NULL },
                             { "description", NULL } };
    struct buf packed = BUF_INIT;
    const char *first_other = NULL, *text = NULL, *bug_type = NULL, *os_version = NULL;
    const char *when = NULL, *product = NULL, *incident = NULL;
    int ret = 0, i;

    r->format = KPT_FMT_PLIST;
    xmlSetGenericErrorFunc(NULL, xml_quiet);
    if (len > (size_t)0x7fffffff)
        return KPT_E_LIMIT;
    doc = xmlReadMemory(data, (int)len, "report.plist", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        r->error = "XML property list does not parse";
        ret = KPT_E_PARSE;
        goto out;
    }
    if (doc->intSubset && (doc->intSubset->children || doc->intSubset->entities)) {
        r->error = "XML property list with a DTD internal subset (entities are refused)";
        ret = KPT_E_FORMAT;
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    if (has_entity_ref(root)) {
        r->error = "XML property list with an entity reference (refused)";
        ret = KPT_E_FORMAT;
        goto out;
    }
    if (!is(root, "plist") || !is(dict = next_elem(root->children), "dict")) {
        r->error = "XML document is not a property list with a top-level dict";
        ret = KPT_E_FORMAT;
        goto out;
    }
    for (k = next_elem(dict->children); k; k = next_elem(v ? v->next : NULL)) {
        char *key;

        v = NULL;
        if (!is(k, "key"))
            break;
        v = next_elem(k->next);
        if (!v)
            break;
        key = text_of(a, k);
        if (is(v, "string")) {
            const char *s = text_of(a, v);

            for (i = 0; i < 3; i++)
                if (!strcmp(key, named[i].key) && !named[i].text)
                    named[i].text = s;
            if (!strcmp(key, "bug_type"))
                bug_type = s;
            else if (!strcmp(key, "os_version"))
                os_version = s;
            else if (!strcmp(key, "timestamp") || !strcmp(key, "date"))
                when = when ? when : s;
            else if (!strcmp(key, "product"))
                product = s;
            else if (!strcmp(key, "incident_id"))
                incident = s;
            else if (!first_other && strstr(s, "panic(cpu"))
                first_other = s;
        } else if (is(v, "integer") && !strcmp(key, "bug_type")) {
            bug_type = text_of(a, v);
        } else if (is(v, "date") && (!strcmp(key, "timestamp") || !strcmp(key, "date"))) {
            when = when ? when : text_of(a, v);
        } else if (is(v, "data") && !strncmp(key, "aapl,panic-info", 15)) {
            buf_adds(&packed, text_of(a, v));
        } else if (is(v, "data") && !strncasecmp(key, "AAPL,PanicInfo", 14)) {
            /* split NVRAM variables come in document order; concatenated as found */
            buf_adds(&packed, text_of(a, v));
        }
    }
    if (bug_type && strcmp(bug_type, "210")) {
        r->error = arena_printf(a, "bug_type %.20s is not a panic report (210)", bug_type);
        ret = KPT_E_FORMAT;
        goto out;
    }
    for (i = 0; i < 3 && !text; i++)
        if (named[i].text && strstr(named[i].text, "panic(cpu"))
            text = named[i].text;
    if (!text)
        text = first_other;
    if (!text && packed.len) {
        text = unpack_panic_info(a, packed.data, lim->max_file_bytes);
        if (!*text) {
            r->error = "aapl,panic-info holds no text (its data is empty or all NUL bytes)";
            ret = KPT_E_FORMAT;
            goto out;
        }
    }
    for (i = 0; i < 3 && !text; i++)
        if (named[i].text && *named[i].text)
            text = named[i].text;
    if (!text) {
        r->error = "property list holds no panic text";
        ret = KPT_E_FORMAT;
        goto out;
    }
    ret = ing_text_parse(text, strlen(text), lim, a, r);
    if (ret == KPT_E_FORMAT && !r->panic_string && *text) {
        r->panic_string = text;
        ret = 0;
    }
    if (ret < 0 && !r->error) /* every refusal says why */
        r->error = "property list's panic text holds nothing a panic report has";
    if (!r->os_version && os_version)
        r->os_version = os_version;
    if (!r->os_build && os_version)
        r->os_build = ing_build_from_version(a, os_version);
    if (!r->model && product && *product)
        r->model = product;
    if (!r->incident && incident)
        r->incident = incident;
    if (when) {
        int64_t w;

        if (!ing_parse_ips_time(when, &w)) {
            r->when = w;
            r->has_when = 1;
            r->when_local = 0;
        }
    }
out:
    buf_release(&packed);
    xmlFreeDoc(doc);
    return ret;
}
