/*
 * fuzz_ingest.c - every ingest format through ing_parse(), then the later stages, with
 * invariants: a status is always set, a rejected report says why, frames stay within the
 * limit, and every frame's text is bounded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct clu_rules *rules;
    struct arena *a = arena_new(65536);
    struct kpt_limits lim;
    struct kpt_report r;
    struct sym_ctx *s = sym_ctx_new(NULL, NULL);
    size_t i;

    if (!rules)
        rules = clu_rules_new();
    kpt_limits_default(&lim);
    lim.max_frames = 512;
    kpt_report_init(&r, a, "fuzz");
    if (ing_parse(data, size, &lim, a, &r) == 0) {
        if (!KPT_READ(&r) || r.nframes > lim.max_frames)
            abort();
        sym_resolve(s, a, &r);
        clu_sign(rules, a, &r);
        if (!r.sig_id || strlen(r.sig_id) != 16 || strlen(r.signature) > 255)
            abort();
        for (i = 0; i < r.nframes; i++)
            if (strlen(kpt_frame_text(a, &r.frames[i])) >
                KPT_MAX_MODULE_NAME + 1 + KPT_MAX_FUNCTION_NAME)
                abort();
    } else if (KPT_READ(&r) || !r.error) {
        abort();
    }
    sym_ctx_free(s);
    arena_free(a);
    return 0;
}
