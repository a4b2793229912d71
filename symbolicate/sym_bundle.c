/*
 * sym_bundle.c - the catalogue's records: a binary's slices (kdk_cat_add_binary), a .kext
 * bundle with its variants, dSYMs and PlugIns, a folder of them; the lookup by UUID; the
 * small file-system helpers the catalogue walks with. What a KDK holds and when it is read
 * is sym_kdk.c's.
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
#include "util/err.h"

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

char *
kdk_join(const char *a, const char *b)
{
    struct buf p = BUF_INIT;

    buf_adds(&p, a);
    if (p.len && p.data[p.len - 1] != '/')
        buf_addc(&p, '/');
    buf_adds(&p, b);
    return buf_detach(&p, NULL);
}

int
kdk_is_dir(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
kdk_is_file(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int
kdk_ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);

    return n >= k && !strcmp(s + n - k, suf);
}

/* sorted directory entries (no . and ..); the caller frees each and the array */
char **
kdk_list_dir(const char *dir, size_t *n)
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

void
kdk_free_list(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void
kdk_cat_skip(struct kdk_cat *c, const char *path, const char *why)
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
        if (!cand[i] || !kdk_is_file(cand[i]) || !kdk_path_safe(cand[i]))
            continue;
        k = kcache_macho(c->kc, cand[i], d, MACHO_MAX_SLICES, &c->files_read);
        for (j = 0; j < k; j++)
            if (d[j].has_uuid && !memcmp(d[j].uuid, im->uuid, 16))
                return xstrdup(cand[i]);
    }
    return NULL;
}

void
kdk_cat_add_binary(struct kdk_cat *c, enum kdk_kind kind, const char *exe, const char *bundle_id,
                   const char *kdk, const char *build, const char *const *dsym_cand, size_t ndsym)
{
    struct macho_image im[MACHO_MAX_SLICES];
    int k, j;
    const char *base = strrchr(exe, '/');

    if (!kdk_path_safe(exe)) {
        kdk_cat_skip(c, exe, "control character or backtick in the path");
        return;
    }
    if ((k = kcache_macho(c->kc, exe, im, MACHO_MAX_SLICES, &c->files_read)) <= 0) {
        kdk_cat_skip(c, exe, "not a 64-bit Mach-O");
        return;
    }
    for (j = 0; j < k; j++) {
        struct kdk_mod *m;
        const struct macho_seg *t = macho_seg_find(&im[j], "__TEXT");
        const struct macho_seg *x = macho_seg_find(&im[j], "__TEXT_EXEC");

        if (!im[j].has_uuid) {
            kdk_cat_skip(c, exe, "no LC_UUID");
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
    int ret = KPT_E_PARSE;

    *id = *exe = NULL;
    xmlSetGenericErrorFunc(NULL, xml_quiet);
    {
        struct buf err = BUF_INIT;
        char *data;
        size_t len;

        /* a regular file of a plausible size: a FIFO or device named Info.plist is refused */
        if (read_regular(path, PLIST_MAX, &data, &len, &err) < 0) {
            buf_release(&err);
            return KPT_E_PARSE;
        }
        buf_release(&err);
        doc = xmlReadMemory(data, (int)len, path, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        free(data);
    }
    if (!doc)
        return KPT_E_PARSE;
    root = xmlDocGetRootElement(doc);
    for (dict = root ? root->children : NULL; dict && dict->type != XML_ELEMENT_NODE;
         dict = dict->next)
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
    ret = *id && *exe && !strchr(*exe, '/') ? 0 : KPT_E_PARSE;
out:
    xmlFreeDoc(doc);
    return ret;
}

/* one bundle: its executables (every variant) and its PlugIns */
size_t
kdk_cat_add_bundle(struct kdk_cat *c, const char *bundle, const char *kdk, const char *build,
                   const char *dsym_root)
{
    char *contents = kdk_join(bundle, "Contents"), *plist, *macos, *id = NULL, *exe = NULL;
    const char *bname = strrchr(bundle, '/');
    size_t before = c->n, n, i;
    char **ents;

    bname = bname ? bname + 1 : bundle;
    if (!kdk_is_dir(contents)) { /* a flat (iOS-style) bundle */
        free(contents);
        contents = xstrdup(bundle);
    }
    plist = kdk_join(contents, "Info.plist");
    if (kcache_plist(c->kc, plist, read_info_plist, &id, &exe) < 0) {
        kdk_cat_skip(c, bundle,
                     "no readable Info.plist with CFBundleIdentifier and CFBundleExecutable");
        goto plugins;
    }
    macos = kdk_is_dir(contents) && strcmp(contents, bundle) ? kdk_join(contents, "MacOS")
                                                             : xstrdup(bundle);
    if (!kdk_is_dir(macos)) {
        free(macos);
        macos = xstrdup(contents);
    }
    ents = kdk_list_dir(macos, &n);
    for (i = 0; i < n; i++) {
        size_t el = strlen(exe);

        if (!strcmp(ents[i], exe) || (!strncmp(ents[i], exe, el) && ents[i][el] == '_')) {
            char *path = kdk_join(macos, ents[i]), *dsym_dir, *dsym_dir2, *cand[4];
            struct buf d1 = BUF_INIT, d2 = BUF_INIT;

            buf_addf(&d1, "%s.dSYM/Contents/Resources/DWARF", bundle);
            dsym_dir = d1.data;
            buf_addf(&d2, "%s/%s.dSYM/Contents/Resources/DWARF", dsym_root, bname);
            dsym_dir2 = d2.data;
            cand[0] = kdk_join(dsym_dir, ents[i]);
            cand[1] = kdk_join(dsym_dir, exe);
            cand[2] = kdk_join(dsym_dir2, ents[i]);
            cand[3] = kdk_join(dsym_dir2, exe);
            kdk_cat_add_binary(c, KDK_KEXT, path, id, kdk, build, (const char *const *)cand, 4);
            free(cand[0]);
            free(cand[1]);
            free(cand[2]);
            free(cand[3]);
            buf_release(&d1);
            buf_release(&d2);
            free(path);
        }
    }
    kdk_free_list(ents, n);
    free(macos);
plugins : {
    char *pl = kdk_join(contents, "PlugIns");

    if (kdk_is_dir(pl))
        kdk_cat_add_tree(c, pl, kdk, build, dsym_root);
    free(pl);
}
    free(id);
    free(exe);
    free(plist);
    free(contents);
    return c->n - before;
}

/* every .kext below dir (not descending into bundles except through PlugIns) */
size_t
kdk_cat_add_tree(struct kdk_cat *c, const char *dir, const char *kdk, const char *build,
                 const char *dsym_root)
{
    size_t n, i, added = 0;
    char **ents = kdk_list_dir(dir, &n);

    for (i = 0; i < n; i++) {
        char *p = kdk_join(dir, ents[i]);

        if (kdk_ends_with(ents[i], ".kext") && kdk_is_dir(p))
            added += kdk_cat_add_bundle(c, p, kdk, build, dsym_root);
        else if (!kdk_ends_with(ents[i], ".dSYM") && kdk_is_dir(p))
            added += kdk_cat_add_tree(c, p, kdk, build, dsym_root);
        free(p);
    }
    kdk_free_list(ents, n);
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
