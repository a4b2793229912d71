/*
 * clu_join.c - a copy whose kext list was cut, or whose frames were not named, joins its
 * named twin (issue 29).
 *
 * Two reports of one bug, one of which lost its "Kernel Extensions in backtrace" lines, key
 * their kext frames differently: the cut copy "unknown-kext" (a kext-space address no listed
 * kext covers), its twin the bundle id. Each key is still decided by its report alone, and
 * states and the history keep it; what joins is the run's presentation of its clusters, as
 * names learned across the fleet join unnamed frames to named ones: a cluster keyed on
 * "unknown-kext" is shown under the one named cluster whose signature reads the same with
 * every kext module token taken as a wildcard. Likewise a cluster keyed "~lowsym" (its
 * frames had no names) is shown under the one named cluster of its coarse key (class, fields
 * and culprit, which better symbols leave unchanged), when it names a culprit. Where several
 * named clusters read the same, the copy could be either: it stays apart.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/clu.h"
#include "cluster/clu_int.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define SEP " | "

/* a module-only kext token: a bundle id (reverse DNS, no function, no blank) */
static int
kext_module(const char *s, size_t n)
{
    size_t i, dots = 0;

    if (!n || s[0] == '~')
        return 0;
    for (i = 0; i < n; i++) {
        char ch = s[i];

        if (ch == '.')
            dots++;
        else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return 0;
    }
    return dots > 0 && s[0] != '.' && s[n - 1] != '.';
}

const char *
clu_join_form(struct arena *a, const char *signature, int *unnamed)
{
    struct buf b = BUF_INIT;
    const char *p, *res = NULL;
    int wild = 0, last_wild = 0;
    size_t n;

    *unnamed = 0;
    if (!signature || !(p = strstr(signature, SEP)))
        return NULL;
    n = strlen(signature);
    if (n >= 3 && !strcmp(signature + n - 3, "..."))
        return NULL; /* cut to its readable length: the items are not all there */
    buf_add(&b, signature, (size_t)(p - signature));
    while (p) {
        const char *item = p + strlen(SEP), *next = strstr(item, SEP);
        size_t len = next ? (size_t)(next - item) : strlen(item);
        int is_unknown = len == strlen(CLU_UNKNOWN_KEXT) && !memcmp(item, CLU_UNKNOWN_KEXT, len);

        if (is_unknown || kext_module(item, len)) {
            *unnamed |= is_unknown;
            if (!last_wild)
                buf_adds(&b, SEP "*");
            wild = last_wild = 1;
        } else {
            buf_adds(&b, SEP);
            buf_add(&b, item, len);
            last_wild = 0;
        }
        p = next;
    }
    if (wild)
        res = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return res;
}

/* the clusters' join forms, and for each unnamed one the named cluster it joins (or -1) */
struct form {
    const char *form;
    int unnamed;
    size_t i;
};

static int
cmp_form(const void *x, const void *y)
{
    const struct form *a = x, *b = y;
    int c = strcmp(a->form, b->form);

    if (c)
        return c;
    if (a->unnamed != b->unnamed)
        return a->unnamed - b->unnamed; /* named first */
    return a->i < b->i ? -1 : a->i > b->i;
}

/* a cluster's form for the kext list's join (from its signature) */
static const char *
kext_form(struct arena *a, const struct kpt_cluster *c, int *unnamed)
{
    return clu_join_form(a, c->signature, unnamed);
}

/* an item of signature s (after the class) that starts with prefix p */
static int
has_item(const char *s, const char *p)
{
    size_t k = strlen(p);

    for (s = strstr(s, SEP); s; s = strstr(s + 1, SEP))
        if (!strncmp(s + strlen(SEP), p, k))
            return 1;
    return 0;
}

/* a cluster's form for the symbols' join: its coarse key (class, fields, culprit), which
 * better symbols leave unchanged (SIGNATURES.md §4.5); NULL without a culprit to link by, or
 * for a cluster keyed on a marker other than "~lowsym" (~fault, ~nobt) */
static const char *
coarse_form(struct arena *a, const struct kpt_cluster *c, int *unnamed)
{
    (void)a;
    *unnamed = has_item(c->signature, "~lowsym");
    if (!c->coarse_id || !c->culprit || !*c->culprit || !strstr(c->signature, SEP))
        return NULL;
    if (!*unnamed && has_item(c->signature, "~"))
        return NULL;
    return c->coarse_id;
}

typedef const char *form_fn(struct arena *a, const struct kpt_cluster *c, int *unnamed);

/* target[i] for the clusters still without one: the one named cluster of the same form */
static void
targets(struct arena *a, const struct kpt_cluster *c, size_t n, size_t *target, form_fn *form_of)
{
    struct form *f = xcalloc(n ? n : 1, sizeof(*f));
    size_t nf = 0, i, k;

    for (i = 0; i < n; i++)
        if (target[i] == SIZE_MAX && (f[nf].form = form_of(a, &c[i], &f[nf].unnamed)))
            f[nf++].i = i;
    qsort(f, nf, sizeof(*f), cmp_form);
    for (i = 0; i < nf; i = k) {
        size_t named = 0, first = 0;

        for (k = i; k < nf && !strcmp(f[k].form, f[i].form); k++)
            if (!f[k].unnamed && !named++)
                first = f[k].i;
        if (named != 1)
            continue; /* none to join, or several it could be */
        for (; i < k; i++)
            if (f[i].unnamed)
                target[f[i].i] = first;
    }
    free(f);
}

/* every cluster's final target (a joined twin may itself join, once more at most), and how
 * many clusters join */
static size_t
all_targets(struct arena *a, const struct kpt_cluster *c, size_t n, size_t *target)
{
    size_t i, joined = 0;
    int round;

    for (i = 0; i < n; i++)
        target[i] = SIZE_MAX;
    targets(a, c, n, target, kext_form);
    targets(a, c, n, target, coarse_form);
    for (round = 0; round < 2; round++)
        for (i = 0; i < n; i++)
            if (target[i] != SIZE_MAX && target[target[i]] != SIZE_MAX && target[target[i]] != i)
                target[i] = target[target[i]];
    for (i = 0; i < n; i++) {
        if (target[i] != SIZE_MAX && target[target[i]] != SIZE_MAX)
            target[i] = SIZE_MAX; /* a cycle, which the forms cannot make: leave it apart */
        joined += target[i] != SIZE_MAX;
    }
    return joined;
}

struct clu_table *
clu_join_cut(struct clu_table *t, size_t *njoined, struct clu_joined **joins)
{
    struct arena *a = arena_new(16384);
    size_t n, i, *target;
    const struct kpt_cluster *c = clu_table_result(t, &n);
    struct clu_table *j = NULL;
    int pass;

    target = xcalloc(n ? n : 1, sizeof(*target));
    *njoined = all_targets(a, c, n, target);
    if (joins) {
        size_t k = 0;

        *joins = *njoined ? xcalloc(*njoined, sizeof(**joins)) : NULL;
        for (i = 0; i < n; i++)
            if (target[i] != SIZE_MAX) {
                (*joins)[k].from = c[i].id_hex;
                (*joins)[k++].to = c[target[i]].id_hex;
            }
    }
    if (*njoined) {
        j = clu_table_new_like(t);
        /* the named clusters first, so that they keep their identity */
        for (pass = 0; pass < 2; pass++)
            for (i = 0; i < n; i++) {
                struct kpt_cluster x;

                if ((target[i] != SIZE_MAX) != pass)
                    continue;
                x = c[i];
                if (pass) {
                    const struct kpt_cluster *to = &c[target[i]];

                    x.id = to->id;
                    x.id_hex = to->id_hex;
                    x.signature = to->signature;
                    x.panic_class = to->panic_class;
                    x.fields = to->fields;
                    x.coarse_id = to->coarse_id; /* the named twin's: its culprit is known */
                    x.coarse = to->coarse;
                    x.culprit = to->culprit;
                    x.culprit_seq = to->culprit_seq;
                }
                clu_table_merge(j, &x, NULL, 0);
            }
    }
    free(target);
    arena_free(a);
    return j;
}
