/*
 * ing_mca.c - an Intel machine check's MCA block, with or without a panic line: the
 * "*** MCA Error Report ***" dump or the "Machine-check capabilities" one, read into the
 * CPU's family and model and the banks whose status is valid.
 */
#include <string.h>

#include "ingest/ing_text.h"
#include "util/mem.h"
#include "util/err.h"

/* "IA32_MC3_STATUS=0xBE00..." (the MCA Error Report) or " IA32_MC7_STATUS(0x41d): 0xfe03..."
 * (Machine-check capabilities); a bank counts when its status is valid (bit 63) */
static void
mca_status(struct ing_tp *t, const struct ing_line *l)
{
    const char *p = l->s, *end = l->s + l->n;
    uint64_t bank, status;

    if (cur_lit(&p, end, "IA32_MC") || cur_dec(&p, end, &bank, 63) || cur_lit(&p, end, "_STATUS"))
        return;
    if (cur_lit(&p, end, "=")) {
        if (cur_lit(&p, end, "(") || cur_hex64(&p, end, &status, NULL) || cur_lit(&p, end, "):"))
            return;
        cur_skip_blank(&p, end);
    }
    if (!cur_hex64(&p, end, &status, NULL) && (status >> 63))
        t->mca_banks |= 1ull << bank;
}

/* "CPUID: 0x306D4)" or " family: 6 model: 61 stepping: ..." */
static void
mca_cpu(struct ing_tp *t, const struct ing_line *l)
{
    const char *end = l->s + l->n, *p;
    uint64_t v, m;

    if (t->mca_family >= 0)
        return;
    p = l->s;
    if (cur_lit(&p, end, "family:") == 0) {
        cur_skip_blank(&p, end);
        if (cur_dec(&p, end, &v, 4095) || cur_lit(&p, end, " model:"))
            return;
        cur_skip_blank(&p, end);
        if (cur_dec(&p, end, &m, 4095))
            return;
        t->mca_family = (int)v;
        t->mca_model = (int)m;
        return;
    }
    if (!(p = kpt_memmem(l->s, l->n, "CPUID: ", 7)))
        return;
    p += 7;
    if (cur_hex64(&p, end, &v, NULL))
        return;
    /* CPUID leaf 1 EAX: family 11:8 (+ extended 27:20 when 15), model 7:4 (+ extended
     * 19:16 << 4 for families 6 and 15) */
    t->mca_family = (int)(v >> 8 & 0xf);
    t->mca_model = (int)(v >> 4 & 0xf);
    if (t->mca_family == 15)
        t->mca_family += (int)(v >> 20 & 0xff);
    if (t->mca_family == 6 || t->mca_family >= 15)
        t->mca_model |= (int)(v >> 16 & 0xf) << 4;
}

/* 0 when l belongs to a machine-check block */
int
ing_mca_line(struct ing_tp *t, const struct ing_line *l)
{
    /* (the line reader takes "***" for Markdown emphasis: match the words) */
    if (kpt_memmem(l->s, l->n, "MCA Error Report", 16) ||
        ing_starts(l, "Machine-check capabilities")) {
        t->mca = 1;
        return 0;
    }
    if (!t->mca)
        return KPT_E_PARSE;
    if (ing_starts(l, "IA32_MC")) {
        mca_status(t, l);
        return 0;
    }
    if (ing_starts(l, "family:") || ing_starts(l, "CPU Machine Check Architecture Error Dump")) {
        mca_cpu(t, l);
        return 0;
    }
    return KPT_E_PARSE;
}

const char *
ing_mca_summary(struct ing_tp *t)
{
    struct buf b = BUF_INIT;
    const char *s;
    unsigned i;

    if (t->mca_family >= 0)
        buf_addf(&b, "family %d model %d; ", t->mca_family, t->mca_model);
    buf_adds(&b, "banks");
    for (i = 0; i < 64; i++)
        if (t->mca_banks >> i & 1)
            buf_addf(&b, " %u", i);
    if (!t->mca_banks)
        buf_adds(&b, " none valid");
    s = arena_strndup(t->a, b.data, b.len);
    buf_release(&b);
    return s;
}
