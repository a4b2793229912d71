/*
 * ing_identity.c - a report's identity across runs (--history): the same report read again,
 * gzipped, with CRLF line ends, a UTF-8 byte order mark or as UTF-16 is the same report.
 *
 * Its incident id when it has one, else XXH3-128 of its text as read (after gzip, UTF-16
 * and a byte order mark: ing_parse.c digests it there) normalized: lines
 * end at LF, the CRs, spaces and tabs before it are dropped (CR LF, CR CR LF, blanks), and
 * so are blank lines at the end of the text.
 */
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ingest/ing_int.h"

#define IDENT_MAX_INCIDENT 128 /* longer is no incident id: the text decides */

/* the digest's input is mostly the text's own bytes: a run of them is fed at once (the
 * hash is the same whatever the pieces), the LF a line lacks or a blank line's on its own */
struct feed {
    XXH3_state_t st;
    const char *p; /* the run of text not fed yet, or NULL */
    size_t n;
};

static void
flush(struct feed *f)
{
    if (f->p)
        XXH3_128bits_update(&f->st, f->p, f->n);
    f->p = NULL;
}

/* d[0..n) of the text: joined to the run when it goes on from it */
static void
feed(struct feed *f, const char *p, size_t n)
{
    if (f->p && f->p + f->n == p) {
        f->n += n;
        return;
    }
    flush(f);
    f->p = p;
    f->n = n;
}

/* an LF that is not the text's */
static void
feed_lf(struct feed *f)
{
    flush(f);
    XXH3_128bits_update(&f->st, "\n", 1);
}

void
ing_text_digest(const char *d, size_t n, uint8_t out[16])
{
    struct feed f;
    XXH128_canonical_t c;
    size_t i = 0, blank_lines = 0;

    XXH3_128bits_reset(&f.st);
    f.p = NULL;
    f.n = 0;
    while (i < n) {
        size_t s = i, e;
        const char *nl = memchr(d + i, '\n', n - i);

        i = nl ? (size_t)(nl - d) : n;
        e = i;
        if (i < n)
            i++;
        /* CR LF, CR CR LF (a CRLF file copied as text), blanks before or after the CR */
        while (e > s && (d[e - 1] == ' ' || d[e - 1] == '\t' || d[e - 1] == '\r'))
            e--;
        if (e == s) {
            blank_lines++; /* written when a line with text follows */
            continue;
        }
        for (; blank_lines; blank_lines--)
            feed_lf(&f);
        feed(&f, d + s, e - s);
        if (e < n && d[e] == '\n')
            feed(&f, d + e, 1);
        else
            feed_lf(&f);
    }
    flush(&f);
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&f.st));
    memcpy(out, c.digest, 16);
}

/* an incident id as an identity: printable, no blank, not too long; letters upper-cased */
static const char *
incident_identity(struct arena *a, const char *s)
{
    size_t n = strlen(s), i;
    char *id;

    if (!n || n > IDENT_MAX_INCIDENT)
        return NULL;
    id = arena_alloc(a, sizeof("incident:") + n);
    memcpy(id, "incident:", 9);
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch <= 0x20 || ch >= 0x7f)
            return NULL;
        id[9 + i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
    }
    id[9 + n] = '\0';
    return id;
}

void
ing_set_identity(struct arena *a, struct kpt_report *r, const uint8_t digest[16])
{
    static const char hex[] = "0123456789abcdef";
    char *t;
    size_t i;

    if (r->incident && (r->identity = incident_identity(a, r->incident)))
        return;
    t = arena_alloc(a, sizeof("text:") + 32);
    memcpy(t, "text:", 5);
    for (i = 0; i < 16; i++) {
        t[5 + 2 * i] = hex[digest[i] >> 4];
        t[6 + 2 * i] = hex[digest[i] & 15];
    }
    t[37] = '\0';
    r->identity = t;
}
