/*
 * sym_kdk.c - the KDKs and kext folders of the catalogue: registered first, their kernels and
 * kexts read when a report may need them (each once); the records themselves are
 * sym_bundle.c's.
 */
#include "symbolicate/sym_kdk.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* the build in KDK_<version>_<build>.kdk */
static char *
kdk_build(const char *dir)
{
    const char *b = strrchr(dir, '/'), *u, *e;

    b = b && b[1] ? b + 1 : dir;
    if (strncmp(b, "KDK_", 4) || !(u = strrchr(b, '_')) || u == b + 3 || !(e = strstr(u, ".kdk")))
        return NULL;
    return xmemdup0(u + 1, (size_t)(e - u - 1));
}

/* an absolute path: lldb runs in a private directory, so relative paths would not resolve */
static char *
absolute(const char *p)
{
    char *r = realpath(p, NULL);

    return r ? r : xstrdup(p);
}

size_t
kdk_cat_add_kdk(struct kdk_cat *c, const char *dir_in)
{
    char *dir = absolute(dir_in), *kernels = kdk_join(dir, "System/Library/Kernels"),
         *exts = kdk_join(dir, "System/Library/Extensions");
    size_t i, ok = kdk_is_dir(kernels) || kdk_is_dir(exts), dup = 0;

    for (i = 0; ok && i < c->nd; i++)
        dup |= !strcmp(c->d[i].dir, dir); /* named twice: registered once */
    if (!ok)
        kdk_cat_skip(c, dir, "not a KDK (no System/Library/Kernels or Extensions)");
    if (ok && !dup) {
        VEC_GROW(c->d, c->nd + 1, c->capd);
        memset(&c->d[c->nd], 0, sizeof(c->d[0]));
        c->d[c->nd].dir = dir;
        c->d[c->nd++].build = kdk_build(dir);
        dir = NULL;
    }
    free(kernels);
    free(exts);
    free(dir);
    return ok;
}

/* the kernels of KDK d */
static void
load_kernels(struct kdk_cat *c, struct kdk_dir *d)
{
    char *kernels = kdk_join(d->dir, "System/Library/Kernels"), **ents;
    size_t n, i;

    if (d->kernels) {
        free(kernels);
        return;
    }
    d->kernels = 1;
    ents = kdk_list_dir(kernels, &n);
    for (i = 0; i < n; i++) {
        char *p = kdk_join(kernels, ents[i]), *cand;
        struct buf dw = BUF_INIT;

        if (kdk_ends_with(ents[i], ".dSYM") || !kdk_is_file(p)) {
            free(p);
            continue;
        }
        buf_addf(&dw, "%s.dSYM/Contents/Resources/DWARF/%s", p, ents[i]);
        cand = dw.data;
        kdk_cat_add_binary(c, KDK_KERNEL, p, NULL, d->dir, d->build, (const char *const *)&cand, 1);
        buf_release(&dw);
        free(p);
    }
    kdk_free_list(ents, n);
    free(kernels);
}

/* every kext of KDK d */
static void
load_kexts(struct kdk_cat *c, struct kdk_dir *d)
{
    char *exts;

    if (d->kexts)
        return;
    d->kexts = 1;
    exts = kdk_join(d->dir, "System/Library/Extensions");
    if (kdk_is_dir(exts))
        kdk_cat_add_tree(c, exts, d->dir, d->build, exts);
    free(exts);
}

void
kdk_cat_need_build(struct kdk_cat *c, const char *build)
{
    size_t i;

    for (i = 0; build && i < c->nd; i++)
        if (c->d[i].build && !strcmp(c->d[i].build, build))
            load_kernels(c, &c->d[i]);
}

const struct kdk_mod *
kdk_cat_need_kernel(struct kdk_cat *c, const uint8_t uuid[16])
{
    const struct kdk_mod *m;
    size_t i, pass;

    for (pass = 0; pass < 3; pass++) {
        if ((m = kdk_cat_by_uuid(c, uuid)) && m->kind == KDK_KERNEL)
            return m;
        /* first the KDKs whose names give no build, then every one */
        for (i = 0; pass < 2 && i < c->nd; i++)
            if (pass == 1 || !c->d[i].build)
                load_kernels(c, &c->d[i]);
    }
    return NULL;
}

static int
has_module(const struct kdk_cat *c, const char *kdk, const char *id, const uint8_t *uuid)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        const struct kdk_mod *m = c->m[i];

        if (m->kind == KDK_KEXT && m->kdk && !strcmp(m->kdk, kdk) && m->bundle_id &&
            !strcmp(m->bundle_id, id) && (!uuid || !memcmp(m->uuid, uuid, 16)))
            return 1;
    }
    return 0;
}

/* kext 'id' in KDK d: the bundle named after its last component, else every kext */
static void
need_kext_in(struct kdk_cat *c, struct kdk_dir *d, const char *id, const uint8_t *uuid, int full)
{
    const char *last = strrchr(id, '.');
    size_t i;

    if (d->kexts || has_module(c, d->dir, id, uuid))
        return;
    last = last ? last + 1 : id;
    if (!d->ext_listed) {
        char *exts = kdk_join(d->dir, "System/Library/Extensions");

        d->ext = kdk_list_dir(exts, &d->next);
        d->ext_listed = 1;
        free(exts);
    }
    for (i = 0; i < d->next; i++) {
        size_t ln = strlen(last);

        if (!strncmp(d->ext[i], last, ln) && !strcmp(d->ext[i] + ln, ".kext")) {
            char *exts = kdk_join(d->dir, "System/Library/Extensions"),
                 *b = kdk_join(exts, d->ext[i]);

            kdk_cat_add_bundle(c, b, d->dir, d->build, exts);
            free(d->ext[i]); /* read: never again by name */
            d->ext[i] = xstrdup("");
            free(b);
            free(exts);
        }
    }
    if (full && !has_module(c, d->dir, id, uuid))
        load_kexts(c, d); /* not where its name says: every kext of the KDK, once */
}

/* kext id (with uuid) anywhere in the catalogue */
static int
have_kext(const struct kdk_cat *c, const char *id, const uint8_t *uuid)
{
    size_t i;

    if (uuid)
        return kdk_cat_by_uuid(c, uuid) != NULL;
    for (i = 0; i < c->n; i++)
        if (c->m[i]->kind == KDK_KEXT && c->m[i]->bundle_id && !strcmp(c->m[i]->bundle_id, id))
            return 1;
    return 0;
}

void
kdk_cat_need_kext(struct kdk_cat *c, const char *kdk, const char *build, const char *id,
                  const uint8_t *uuid)
{
    size_t i;

    if (!id || (uuid && kdk_cat_by_uuid(c, uuid)))
        return;
    /* the report's own KDK (its kernel's, else its build's), every kext if need be; then
     * the other KDKs, by bundle name only (a kext missing from every KDK costs one directory
     * listing per KDK, never a read of all their kexts) */
    for (i = 0; i < c->nd; i++)
        if (kdk ? !strcmp(c->d[i].dir, kdk)
                : (build && c->d[i].build && !strcmp(c->d[i].build, build)))
            need_kext_in(c, &c->d[i], id, uuid, 1);
    for (i = 0; i < c->nd && !have_kext(c, id, uuid); i++)
        need_kext_in(c, &c->d[i], id, uuid, 0);
}

void
kdk_cat_need_kexts(struct kdk_cat *c, const char *kdk)
{
    size_t i;

    for (i = 0; kdk && i < c->nd; i++)
        if (!strcmp(c->d[i].dir, kdk))
            load_kexts(c, &c->d[i]);
}

size_t
kdk_cat_add_root(struct kdk_cat *c, const char *root_in)
{
    size_t n, i, added = 0;
    char *root = absolute(root_in);
    char **ents = kdk_list_dir(root, &n);

    for (i = 0; i < n; i++) {
        char *p = kdk_join(root, ents[i]);

        if (!strncmp(ents[i], "KDK_", 4) && kdk_ends_with(ents[i], ".kdk") && kdk_is_dir(p))
            added += kdk_cat_add_kdk(c, p);
        free(p);
    }
    kdk_free_list(ents, n);
    free(root);
    return added;
}

size_t
kdk_cat_add_kexts(struct kdk_cat *c, const char *path)
{
    char *p = absolute(path);
    size_t added;

    if (kdk_ends_with(p, ".kext") && kdk_is_dir(p)) {
        char *parent = xstrdup(p), *slash = strrchr(parent, '/');

        if (slash)
            *slash = '\0';
        else
            memcpy(parent, ".", 2);
        added = kdk_cat_add_bundle(c, p, NULL, NULL, parent);
        free(parent);
    } else {
        added = kdk_cat_add_tree(c, p, NULL, NULL, p);
    }
    free(p);
    return added;
}

const struct kdk_mod *
kdk_cat_kernel(const struct kdk_cat *c, const char *build, const char *file)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        if (c->m[i]->kind == KDK_KERNEL && c->m[i]->build && !strcmp(c->m[i]->build, build) &&
            !strcmp(c->m[i]->file, file))
            return c->m[i];
    return NULL;
}
