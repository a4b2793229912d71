/*
 * ing_kext.c - the kext lines of panic text: "Kernel Extensions in backtrace" entries
 * (FORMATS.md §6.8) and "loaded kexts:" entries with their compressed ids (§6.9).
 */
#include <string.h>

#include "ingest/ing_text.h"
#include "util/hex.h"
#include "util/xalloc.h"
#include "util/err.h"

/* the longest id a compressed one expands to (longer: what fits, piece by piece) */
#define KEXT_ID_MAX 4096

/* what s[0..n) stands for, a piece at a time: a lead character's prefix, an escape's word,
 * or the character itself; each piece is kept only when it fits in KEXT_ID_MAX (out NULL:
 * only counted). Returns the length. */
static size_t
expand_into(char *out, const char *s, size_t n)
{
    static const struct {
        char c;
        const char *with;
        size_t n;
    } lead[] = {
        { '>', "com.apple.driver.", 17 },
        { '|', "com.apple.iokit.", 16 },
        { '$', "com.apple.security.", 19 },
        { '@', "com.apple.", 10 },
    };
    static const struct {
        char c;
        const char *with;
        size_t n;
    } mid[] = {
        { 'U', "AppleUSB", 8 }, { 'A', "Apple", 5 },       { 'F', "Family", 6 },
        { 'S', "Storage", 7 },  { 'C', "Controller", 10 }, { 'B', "Bluetooth", 9 },
        { 'I', "Intel", 5 },    { 'a', "Action", 6 },      { 'P', "Profile", 7 },
    };
    size_t i, k, len = 0;

    for (i = 0; i < n; i++) {
        const char *with = NULL;
        size_t wn = 1;

        if (i == 0)
            for (k = 0; k < sizeof(lead) / sizeof(lead[0]); k++)
                if (s[0] == lead[k].c) {
                    with = lead[k].with;
                    wn = lead[k].n;
                    break;
                }
        if (!with && s[i] == '!' && i + 1 < n)
            for (k = 0; k < sizeof(mid) / sizeof(mid[0]); k++)
                if (s[i + 1] == mid[k].c) {
                    with = mid[k].with;
                    wn = mid[k].n;
                    i++;
                    break;
                }
        if (!with)
            with = s + i;
        if (len + wn <= KEXT_ID_MAX) {
            if (out)
                memcpy(out + len, with, wn);
            len += wn;
        }
    }
    return len;
}

/* a loaded kext's id, its compressed form expanded (§6.9), in a; an id that needs no
 * expanding (no lead character, no '!') is copied as it is */
static const char *
expand_kext_id(struct arena *a, const char *s, size_t n)
{
    size_t len;
    char *out;

    if (n && n <= KEXT_ID_MAX && !strchr(">|$@", s[0]) && !memchr(s, '!', n))
        return arena_strndup(a, s, n);
    len = expand_into(NULL, s, n);
    out = arena_alloc(a, st_add(len, 1));
    expand_into(out, s, n);
    return out;
}

int
ing_kext_line(struct ing_tp *t, const struct ing_line *l)
{
    const char *p = l->s, *end = l->s + l->n, *id, *ver, *uu;
    struct kpt_kext k;
    struct kpt_report *r = t->r;
    size_t idn, vern, uun, i;

    memset(&k, 0, sizeof(k));
    if (!cur_lit(&p, end, "dependency:")) {
        k.dependency = 1;
        cur_skip_blank(&p, end);
    }
    id = p;
    while (p < end && *p != '(' && *p != ' ' && *p != '\t')
        p++;
    idn = (size_t)(p - id);
    if (!idn || idn > KPT_MAX_MODULE_NAME || cur_lit(&p, end, "("))
        return KPT_E_PARSE;
    ver = p;
    while (p < end && *p != ')')
        p++;
    vern = (size_t)(p - ver);
    if (cur_lit(&p, end, ")["))
        return KPT_E_PARSE;
    uu = p;
    while (p < end && (hex_digit((unsigned char)*p) >= 0 || *p == '-'))
        p++;
    uun = (size_t)(p - uu);
    if (cur_lit(&p, end, "]@") || cur_hex64(&p, end, &k.start, NULL))
        return KPT_E_PARSE;
    if (!cur_lit(&p, end, "->")) {
        if (cur_hex64(&p, end, &k.end, NULL))
            return KPT_E_PARSE;
        k.has_end = k.end >= k.start; /* an end below the start is damage: start-only */
    }
    if (p != end)
        return KPT_E_PARSE;
    if (uun) {
        if (kpt_uuid_parse(uu, uun, k.uuid))
            return KPT_E_PARSE;
        k.has_uuid = 1;
    }
    /* a kext printed again (as a dependency, maybe with another version) is kept as printed;
     * an END it lacked the first time is filled in */
    for (i = 0; i < r->nkexts; i++) {
        struct kpt_kext *o = &r->kexts[i];

        if (o->start == k.start && o->has_uuid == k.has_uuid && !memcmp(o->uuid, k.uuid, 16) &&
            strlen(o->id) == idn && !memcmp(o->id, id, idn) && !o->has_end && k.has_end) {
            o->end = k.end;
            o->has_end = 1;
        }
    }
    if (r->nkexts >= t->lim->max_kexts) {
        t->kexts_dropped++;
        return 0;
    }
    k.id = arena_strndup(t->a, id, idn);
    k.version = arena_strndup(t->a, ver, vern);
    if (r->nkexts == t->kexts_cap) {
        size_t ncap = t->kexts_cap ? t->kexts_cap * 2 : 8;
        struct kpt_kext *nk = arena_alloc(t->a, st_mult(ncap, sizeof(*nk)));

        if (r->nkexts)
            memcpy(nk, r->kexts, r->nkexts * sizeof(*nk));
        r->kexts = nk;
        t->kexts_cap = ncap;
    }
    r->kexts[r->nkexts++] = k;
    return 0;
}

void
ing_loaded_line(struct ing_tp *t, const struct ing_line *l)
{
    struct kpt_report *r = t->r;
    const char *p = l->s, *end = l->s + l->n, *id;
    struct kpt_loaded e;

    id = p;
    while (p < end && *p != '\t' && *p != ' ')
        p++;
    if (p == id)
        return;
    if (r->nloaded >= t->lim->max_kexts) {
        r->loaded_dropped++;
        return;
    }
    e.id = expand_kext_id(t->a, id, (size_t)(p - id));
    cur_skip_blank(&p, end);
    e.version = arena_strndup(t->a, p, (size_t)(end - p));
    if (r->nloaded == t->loaded_cap) {
        size_t ncap = t->loaded_cap ? t->loaded_cap * 2 : 64;
        struct kpt_loaded *nl = arena_alloc(t->a, st_mult(ncap, sizeof(*nl)));

        if (r->nloaded)
            memcpy(nl, r->loaded, r->nloaded * sizeof(*nl));
        r->loaded = nl;
        t->loaded_cap = ncap;
    }
    r->loaded[r->nloaded++] = e;
}
