/*
 * sym_kdk.c - walking KDKs and kext folders into a catalogue.
 */
#include "symbolicate/sym_kdk.h"

#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "symbolicate/sym_kcache.h"
#include "symbolicate/sym_macho.h"
#include "util/readfile.h"
#include "util/xalloc.h"

#define PLIST_MAX (1u << 20)

static uint64_t
uuid_hash(const uint8_t u[16])
{
    uint64_t a, b;

    memcpy(&a, u, 8);
    memcpy(&b, u + 8, 8);
    return hindex_mix(a ^ hindex_mix(b));
}

void
kdk_cat_init(struct kdk_cat *c)
{
    memset(c, 0, sizeof(*c));
    buf_init(&c->log, 1u << 20);
}

void
kdk_cat_release(struct kdk_cat *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        free(c->m[i]->bundle_id);
        free(c->m[i]->exe);
        free(c->m[i]->dsym);
        free(c->m[i]->kdk);
        free(c->m[i]->build);
        free(c->m[i]->file);
        free(c->m[i]);
    }
    free(c->m);
    hindex_release(&c->by_uuid);
    for (i = 0; i < c->nd; i++) {
        size_t k;

        free(c->d[i].dir);
        free(c->d[i].build);
        for (k = 0; k < c->d[i].next; k++)
            free(c->d[i].ext[k]);
        free(c->d[i].ext);
    }
    free(c->d);
    buf_release(&c->log);
    memset(c, 0, sizeof(*c));
}

int
kdk_path_safe(const char *p)
{
    for (; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '`')
            return 0;
    return 1;
}

void
kdk_quote(struct buf *out, const char *p)
{
    buf_addc(out, '"');
    for (; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_addc(out, '\\');
        buf_addc(out, *p);
    }
    buf_addc(out, '"');
}

static char *
join(const char *a, const char *b)
{
    struct buf p = BUF_INIT;

    buf_adds(&p, a);
    if (p.len && p.data[p.len - 1] != '/')
        buf_addc(&p, '/');
    buf_adds(&p, b);
    return buf_detach(&p, NULL);
}

static int
is_dir(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_file(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int
ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);

    return n >= k && !strcmp(s + n - k, suf);
}

/* sorted directory entries (no . and ..); the caller frees each and the array */
static char **
list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t cap = 0;

    *n = 0;
    if (!d)
        return NULL;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        VEC_GROW(v, *n + 1, cap);
        v[(*n)++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (*n > 1)
        qsort(v, *n, sizeof(*v), (int (*)(const void *, const void *))strcmp);
    return v;
}

static void
free_list(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
skip(struct kdk_cat *c, const char *path, const char *why)
{
    const unsigned char *p;

    buf_adds(&c->log, "kdk: skipped '");
    for (p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            buf_addf(&c->log, "\\x%02x", *p);
        else
            buf_addc(&c->log, (char)*p);
    }
    buf_addf(&c->log, "': %s\n", why);
}

/* the dSYM DWARF file among candidates whose UUID equals the binary's slice */
static char *
match_dsym(struct kdk_cat *c, const char *const *cand, size_t n, const struct macho_image *im)
{
    struct macho_image d[MACHO_MAX_SLICES];
    size_t i;
    int k, j;

    for (i = 0; i < n; i++) {
        if (!cand[i] || !is_file(cand[i]) || !kdk_path_safe(cand[i]))
            continue;
        k = kcache_macho(c->kc, cand[i], d, MACHO_MAX_SLICES, &c->files_read);
        for (j = 0; j < k; j++)
            if (d[j].has_uuid && !memcmp(d[j].uuid, im->uuid, 16))
                return xstrdup(cand[i]);
    }
    return NULL;
}

static void
add_binary(struct kdk_cat *c, enum kdk_kind kind, const char *exe, const char *bundle_id,
           const char *kdk, const char *build, const char *const *dsym_cand, size_t ndsym)
{
    struct macho_image im[MACHO_MAX_SLICES];
    int k, j;
    const char *base = strrchr(exe, '/');

    if (!kdk_path_safe(exe)) {
        skip(c, exe, "control character or backtick in the path");
        return;
    }
    if ((k = kcache_macho(c->kc, exe, im, MACHO_MAX_SLICES, &c->files_read)) <= 0) {
        skip(c, exe, "not a 64-bit Mach-O");
        return;
    }
    for (j = 0; j < k; j++) {
        struct kdk_mod *m;
        const struct macho_seg *t = macho_seg_find(&im[j], "__TEXT");
        const struct macho_seg *x = macho_seg_find(&im[j], "__TEXT_EXEC");

        if (!im[j].has_uuid) {
            skip(c, exe, "no LC_UUID");
            continue;
        }
        VEC_GROW(c->m, c->n + 1, c->cap);
        if (!kdk_cat_by_uuid(c, im[j].uuid)) /* lookups by UUID find the first one */
            hindex_add(&c->by_uuid, uuid_hash(im[j].uuid), c->n);
        m = c->m[c->n++] = xcalloc(1, sizeof(*m));
        m->kind = kind;
        m->bundle_id = bundle_id ? xstrdup(bundle_id) : NULL;
        m->exe = xstrdup(exe);
        m->kdk = kdk ? xstrdup(kdk) : NULL;
        m->build = build ? xstrdup(build) : NULL;
        m->file = xstrdup(base ? base + 1 : exe);
        m->cputype = im[j].cputype;
        m->cpusubtype = im[j].cpusubtype;
        memcpy(m->uuid, im[j].uuid, 16);
        m->text_vm = t ? t->vmaddr : 0;
        if (!x)
            x = t;
        m->exec_vm = x ? x->vmaddr : 0;
        m->exec_size = x ? x->vmsize : 0;
        m->dsym = match_dsym(c, dsym_cand, ndsym, &im[j]);
    }
}

static void
xml_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* CFBundleIdentifier and CFBundleExecutable of an XML Info.plist (no network, no entities) */
static int
read_info_plist(const char *path, char **id, char **exe)
{
    xmlDocPtr doc;
    xmlNodePtr root, dict, k;
    int ret = -1;

    *id = *exe = NULL;
    xmlSetGenericErrorFunc(NULL, xml_quiet);
    {
        struct buf err = BUF_INIT;
        char *data;
        size_t len;

        /* a regular file of a plausible size: a FIFO or device named Info.plist is refused */
        if (read_regular(path, PLIST_MAX, &data, &len, &err) < 0) {
            buf_release(&err);
            return -1;
        }
        buf_release(&err);
        doc = xmlReadMemory(data, (int)len, path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        free(data);
    }
    if (!doc)
        return -1;
    root = xmlDocGetRootElement(doc);
    for (dict = root ? root->children : NULL; dict && dict->type != XML_ELEMENT_NODE; dict = dict->next)
        ;
    if (!dict || (doc->intSubset && doc->intSubset->children))
        goto out;
    for (k = dict->children; k; k = k->next) {
        xmlNodePtr v;
        xmlChar *kt, *vt;

        if (k->type != XML_ELEMENT_NODE || xmlStrcmp(k->name, BAD_CAST "key"))
            continue;
        for (v = k->next; v && v->type != XML_ELEMENT_NODE; v = v->next)
            ;
        if (!v || xmlStrcmp(v->name, BAD_CAST "string"))
            continue;
        kt = xmlNodeGetContent(k);
        vt = xmlNodeGetContent(v);
        if (kt && vt && !xmlStrcmp(kt, BAD_CAST "CFBundleIdentifier") && !*id)
            *id = xstrdup((const char *)vt);
        if (kt && vt && !xmlStrcmp(kt, BAD_CAST "CFBundleExecutable") && !*exe)
            *exe = xstrdup((const char *)vt);
        xmlFree(kt);
        xmlFree(vt);
    }
    ret = *id && *exe && !strchr(*exe, '/') ? 0 : -1;
out:
    xmlFreeDoc(doc);
    return ret;
}

static size_t add_kext_tree(struct kdk_cat *c, const char *dir, const char *kdk, const char *build,
                            const char *dsym_root);

/* one bundle: its executables (every variant) and its PlugIns */
static size_t
add_bundle(struct kdk_cat *c, const char *bundle, const char *kdk, const char *build,
           const char *dsym_root)
{
    char *contents = join(bundle, "Contents"), *plist, *macos, *id = NULL, *exe = NULL;
    const char *bname = strrchr(bundle, '/');
    size_t before = c->n, n, i;
    char **ents;

    bname = bname ? bname + 1 : bundle;
    if (!is_dir(contents)) { /* a flat (iOS-style) bundle */
        free(contents);
        contents = xstrdup(bundle);
    }
    plist = join(contents, "Info.plist");
    if (kcache_plist(c->kc, plist, read_info_plist, &id, &exe) < 0) {
        skip(c, bundle, "no readable Info.plist with CFBundleIdentifier and CFBundleExecutable");
        goto plugins;
    }
    macos = is_dir(contents) && strcmp(contents, bundle) ? join(contents, "MacOS") : xstrdup(bundle);
    if (!is_dir(macos)) {
        free(macos);
        macos = xstrdup(contents);
    }
    ents = list_dir(macos, &n);
    for (i = 0; i < n; i++) {
        size_t el = strlen(exe);

        if (!strcmp(ents[i], exe) || (!strncmp(ents[i], exe, el) && ents[i][el] == '_')) {
            char *path = join(macos, ents[i]), *dsym_dir, *dsym_dir2, *cand[4];
            struct buf d1 = BUF_INIT, d2 = BUF_INIT;

            buf_addf(&d1, "%s.dSYM/Contents/Resources/DWARF", bundle);
            dsym_dir = d1.data;
            buf_addf(&d2, "%s/%s.dSYM/Contents/Resources/DWARF", dsym_root, bname);
            dsym_dir2 = d2.data;
            cand[0] = join(dsym_dir, ents[i]);
            cand[1] = join(dsym_dir, exe);
            cand[2] = join(dsym_dir2, ents[i]);
            cand[3] = join(dsym_dir2, exe);
            add_binary(c, KDK_KEXT, path, id, kdk, build, (const char *const *)cand, 4);
            free(cand[0]);
            free(cand[1]);
            free(cand[2]);
            free(cand[3]);
            buf_release(&d1);
            buf_release(&d2);
            free(path);
        }
    }
    free_list(ents, n);
    free(macos);
plugins:
    {
        char *pl = join(contents, "PlugIns");

        if (is_dir(pl))
            add_kext_tree(c, pl, kdk, build, dsym_root);
        free(pl);
    }
    free(id);
    free(exe);
    free(plist);
    free(contents);
    return c->n - before;
}

/* every .kext below dir (not descending into bundles except through PlugIns) */
static size_t
add_kext_tree(struct kdk_cat *c, const char *dir, const char *kdk, const char *build,
              const char *dsym_root)
{
    size_t n, i, added = 0;
    char **ents = list_dir(dir, &n);

    for (i = 0; i < n; i++) {
        char *p = join(dir, ents[i]);

        if (ends_with(ents[i], ".kext") && is_dir(p))
            added += add_bundle(c, p, kdk, build, dsym_root);
        else if (!ends_with(ents[i], ".dSYM") && is_dir(p))
            added += add_kext_tree(c, p, kdk, build, dsym_root);
        free(p);
    }
    free_list(ents, n);
    return added;
}

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
    char *dir = absolute(dir_in), *kernels = join(dir, "System/Library/Kernels"),
         *exts = join(dir, "System/Library/Extensions");
    size_t i, ok = is_dir(kernels) || is_dir(exts), dup = 0;

    for (i = 0; ok && i < c->nd; i++)
        dup |= !strcmp(c->d[i].dir, dir); /* named twice: registered once */
    if (!ok)
        skip(c, dir, "not a KDK (no System/Library/Kernels or Extensions)");
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
    char *kernels = join(d->dir, "System/Library/Kernels"), **ents;
    size_t n, i;

    if (d->kernels) {
        free(kernels);
        return;
    }
    d->kernels = 1;
    ents = list_dir(kernels, &n);
    for (i = 0; i < n; i++) {
        char *p = join(kernels, ents[i]), *cand;
        struct buf dw = BUF_INIT;

        if (ends_with(ents[i], ".dSYM") || !is_file(p)) {
            free(p);
            continue;
        }
        buf_addf(&dw, "%s.dSYM/Contents/Resources/DWARF/%s", p, ents[i]);
        cand = dw.data;
        add_binary(c, KDK_KERNEL, p, NULL, d->dir, d->build, (const char *const *)&cand, 1);
        buf_release(&dw);
        free(p);
    }
    free_list(ents, n);
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
    exts = join(d->dir, "System/Library/Extensions");
    if (is_dir(exts))
        add_kext_tree(c, exts, d->dir, d->build, exts);
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
        char *exts = join(d->dir, "System/Library/Extensions");

        d->ext = list_dir(exts, &d->next);
        d->ext_listed = 1;
        free(exts);
    }
    for (i = 0; i < d->next; i++) {
        size_t ln = strlen(last);

        if (!strncmp(d->ext[i], last, ln) && !strcmp(d->ext[i] + ln, ".kext")) {
            char *exts = join(d->dir, "System/Library/Extensions"), *b = join(exts, d->ext[i]);

            add_bundle(c, b, d->dir, d->build, exts);
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
        if (kdk ? !strcmp(c->d[i].dir, kdk) : (build && c->d[i].build && !strcmp(c->d[i].build, build)))
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
    char **ents = list_dir(root, &n);

    for (i = 0; i < n; i++) {
        char *p = join(root, ents[i]);

        if (!strncmp(ents[i], "KDK_", 4) && ends_with(ents[i], ".kdk") && is_dir(p))
            added += kdk_cat_add_kdk(c, p);
        free(p);
    }
    free_list(ents, n);
    free(root);
    return added;
}

size_t
kdk_cat_add_kexts(struct kdk_cat *c, const char *path)
{
    char *p = absolute(path);
    size_t added;

    if (ends_with(p, ".kext") && is_dir(p)) {
        char *parent = xstrdup(p), *slash = strrchr(parent, '/');

        if (slash)
            *slash = '\0';
        else
            memcpy(parent, ".", 2);
        added = add_bundle(c, p, NULL, NULL, parent);
        free(parent);
    } else {
        added = add_kext_tree(c, p, NULL, NULL, p);
    }
    free(p);
    return added;
}

struct uuid_key {
    const struct kdk_cat *c;
    const uint8_t *uuid;
};

static int
uuid_eq(const void *ctx, size_t i)
{
    const struct uuid_key *k = ctx;

    return !memcmp(k->c->m[i]->uuid, k->uuid, 16);
}

const struct kdk_mod *
kdk_cat_by_uuid(const struct kdk_cat *c, const uint8_t uuid[16])
{
    struct uuid_key k = { c, uuid };
    size_t i = hindex_find(&c->by_uuid, uuid_hash(uuid), uuid_eq, &k);

    return i == SIZE_MAX ? NULL : c->m[i];
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
