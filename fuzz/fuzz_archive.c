/*
 * fuzz_archive.c - the archive reader (libarchive, member by member) with small limits in
 * force, each member then parsed as a report. Invariants: no member is handed over past
 * the member limit, nor more members than the count limit; a path is bounded (each name
 * cut at 1,024 bytes, three levels); a member not read says why; a link carries no bytes;
 * damage is said with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ing.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fctx {
    const struct kpt_limits *lim;
    size_t n;
};

static int
member(const struct ing_member *m, void *ctx)
{
    struct fctx *c = ctx;
    struct arena *a;
    struct kpt_report r;

    if (!m->path || strncmp(m->path, "fuzz", 4) || (m->why && m->data) ||
        (!m->why && m->len > c->lim->max_file_bytes))
        abort();
    if (++c->n > c->lim->max_members + 1) /* a damaged inner archive adds its own row */
        abort();
    if (strlen(m->path) > 4 + KPT_MAX_ARCHIVE_DEPTH * (1 + 1024 + 16))
        abort();
    if (m->link && (m->data || m->why || !m->member))
        abort();
    if (m->why || m->link)
        return 0;
    a = arena_new(65536);
    kpt_report_init(&r, a, m->path);
    ing_parse_member(m->member, m->data, m->len, c->lim, a, &r);
    arena_free(a);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kpt_limits lim;
    struct ing_archive_stats st;
    struct fctx c;
    int ret;

    kpt_limits_default(&lim);
    lim.max_file_bytes = 1 << 20;
    lim.max_archive_bytes = 8 << 20;
    lim.max_members = 64;
    memset(&st, 0, sizeof(st));
    memset(&c, 0, sizeof(c));
    c.lim = &lim;
    ret = ing_archive_read_mem(data, size, "fuzz", &lim, member, &c, &st);
    if ((ret == KPT_E_FORMAT && c.n) || (ret < 0 && ret != KPT_E_FORMAT && !st.damage) ||
        (ret == 0 && st.damage))
        abort();
    free(st.damage);
    return 0;
}
