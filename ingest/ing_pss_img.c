/*
 * ing_pss_img.c - the processed stackshot reader's line helpers and its kernel images: the
 * '*' lines of each process's "Binary Images:", deduplicated by UUID over the stackshot
 * (images named only by a frame's module are kept by name until their process's list says
 * which UUID the name is). See ing_pss.c.
 */
#include <string.h>

#include "ingest/ing_int.h"
#include "ingest/ing_pss.h"
#include "util/cursor.h"
#include "util/mem.h"
#include "util/err.h"

/* ---- small text helpers over a line [s, e) ---- */

const char *
pss_find(const char *s, const char *e, const char *w)
{
    return kpt_memmem(s, (size_t)(e - s), w, strlen(w));
}

int
pss_starts(const char *s, const char *e, const char *w)
{
    return !cur_lit(&s, e, w);
}

/* a copy of [s, e) with blanks trimmed, at most PSS_NAME_MAX bytes, control bytes as '?' */
const char *
pss_name_dup(struct arena *a, const char *s, const char *e)
{
    char *c;
    size_t i, n;

    s = cur_past_blank(s, e);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    n = (size_t)(e - s) > PSS_NAME_MAX ? PSS_NAME_MAX : (size_t)(e - s);
    c = arena_strndup(a, s, n);
    for (i = 0; i < n; i++)
        if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
            c[i] = '?';
    return c;
}

/* ---- images ---- */

static int
uuid_eq(const void *ctx, size_t i)
{
    const struct rd *r = ((const void *const *)ctx)[0];
    const uint8_t *u = ((const void *const *)ctx)[1];
    const struct kpt_ss_image *img = (const struct kpt_ss_image *)r->images.v + i;

    return img->has_uuid && !memcmp(img->uuid, u, 16);
}

static int
name_eq(const void *ctx, size_t i)
{
    const struct rd *r = ((const void *const *)ctx)[0];
    const char *n = ((const void *const *)ctx)[1];
    const struct kpt_ss_image *img = (const struct kpt_ss_image *)r->images.v + i;

    return !img->has_uuid && img->bundle && !strcmp(img->bundle, n);
}

static uint64_t
str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return hindex_mix(h);
}

/* the image with this UUID (uuid != NULL) or, without one, this name; added (at load) when
 * new. UINT32_MAX past the limit. */
uint32_t
pss_image(struct rd *r, const uint8_t *uuid, const char *name, uint64_t load, int *added)
{
    const void *ctx[2] = { r, uuid ? (const void *)uuid : (const void *)name };
    uint64_t h;
    size_t i;
    struct kpt_ss_image *img;

    *added = 0;
    if (uuid) {
        memcpy(&h, uuid, 8);
        h = hindex_mix(h ^ uuid[15]);
        i = hindex_find(&r->by_uuid, h, uuid_eq, ctx);
    } else {
        h = str_hash(name);
        i = hindex_find(&r->by_name, h, name_eq, ctx);
    }
    if (i != SIZE_MAX)
        return (uint32_t)i;
    if (r->images.n >= KPT_MAX_SS_IMAGES) {
        r->ss->dropped++;
        return UINT32_MAX;
    }
    img = jr_vec_push(r->a, &r->images);
    memset(img, 0, sizeof(*img));
    img->kind = 'K';
    img->text_off = 1;
    img->load = load;
    if (uuid) {
        static const uint8_t zero[16];

        memcpy(img->uuid, uuid, 16);
        img->has_uuid = memcmp(uuid, zero, 16) != 0;
        img->label = img->has_uuid ? kpt_uuid_text(r->a, uuid) : NULL;
    } else {
        img->bundle = img->label = name;
    }
    hindex_add(uuid ? &r->by_uuid : &r->by_name, h, r->images.n - 1);
    *added = 1;
    return (uint32_t)(r->images.n - 1);
}

/* "<UUID>" at [s, e): 0 with out set, or -1 */
int
pss_uuid_in(const char *s, const char *e, uint8_t out[16])
{
    const char *lt = pss_find(s, e, "<"), *gt;

    if (!lt || !(gt = pss_find(lt, e, ">")))
        return KPT_E_PARSE;
    return kpt_uuid_parse(lt + 1, (size_t)(gt - lt - 1), out);
}

/* "   *0xSTART -  0xEND|???  NAME (VERSION)  <UUID>  PATH": a kernel image ('*' only) */
void
pss_image_line(struct rd *r, const char *s, const char *e)
{
    uint8_t u[16];
    uint64_t start;
    const char *p = cur_past_blank(s, e), *lt, *nm;
    uint32_t i;
    int added;

    if (p >= e || *p != '*' || !pss_starts(p + 1, e, "0x"))
        return; /* a user-space image: no kernel frame lies in it */
    p += 3;
    if (cur_hex(&p, e, &start, UINT64_MAX) || pss_uuid_in(p, e, u) || !(lt = pss_find(p, e, "<")))
        return;
    /* the name: the first word after the end address ("???" when unknown) */
    if ((nm = pss_find(p, lt, " - ")))
        p = cur_past_blank(nm + 3, lt);
    while (p < lt && *p != ' ' && *p != '\t')
        p++;
    p = cur_past_blank(p, lt);
    for (nm = p; p < lt && *p != ' ' && *p != '\t'; p++)
        ;
    if ((i = pss_image(r, u, NULL, start, &added)) == UINT32_MAX)
        return;
    if (r->pimg.n < PSS_REMAP_MAX)
        *(uint32_t *)jr_vec_push(r->a, &r->pimg) = i;
    if (p > nm && !pss_starts(nm, p, "???")) {
        struct kpt_ss_image *img = (struct kpt_ss_image *)r->images.v + i;

        img->bundle = img->label = pss_name_dup(r->a, nm, p);
    }
    if (!added)
        ((struct kpt_ss_image *)r->images.v)[i].load = start;
}

static int
names(const struct kpt_ss_image *img, const char *n)
{
    const char *dot;

    if (!img->has_uuid || !img->bundle)
        return 0;
    dot = strrchr(img->bundle, '.');
    return !strcmp(img->bundle, n) || (dot && !strcmp(dot + 1, n));
}

/* frames placed by a module's name, before the process's Binary Images (listed after its
 * threads) said which UUID that name is: moved to that image */
void
pss_remap(struct rd *r)
{
    struct kpt_ss_image *im = r->images.v;
    const uint32_t *pi = r->pimg.v;
    size_t t, f, k;

    for (t = 0; t < r->threads.n && r->pimg.n; t++) {
        struct kpt_ss_thread *th = (struct kpt_ss_thread *)r->threads.v + t;

        for (f = 0; f < th->nframes; f++) {
            const struct kpt_ss_image *img = &im[th->fimage[f]];

            if (img->has_uuid || !img->bundle)
                continue;
            for (k = 0; k < r->pimg.n; k++)
                if (names(&im[pi[k]], img->bundle)) {
                    th->fimage[f] = pi[k];
                    break;
                }
        }
    }
}
