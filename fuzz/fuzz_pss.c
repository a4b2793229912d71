/*
 * fuzz_pss.c - the processed stackshot reader (an Intel Mac's macOSProcessedStackshotData)
 * on any bytes: as the decoded text, as the base64 string's raw body, and inside a whole
 * watchdog report. Bounded counts, every frame's image index checked before use, every
 * image a kernel one counting from its start, every hang with its reason, and the report
 * refused only with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ing.h"
#include "ingest/ing_int.h"
#include "fuzz/fuzz_hang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(struct arena *a, struct kpt_stackshot *ss)
{
    size_t i, t, f;

    if (ss->nprocs > KPT_MAX_SS_PROCS || ss->nthreads > KPT_MAX_SS_THREADS ||
        ss->nimages > KPT_MAX_SS_IMAGES || ss->nframes > KPT_MAX_SS_ALL_FRAMES)
        abort();
    for (i = 0; i < ss->nimages; i++)
        if (ss->images[i].kind != 'K' || !ss->images[i].text_off)
            abort();
    for (i = 0; i < ss->nprocs; i++)
        for (t = 0; t < ss->procs[i].nthreads; t++) {
            const struct kpt_ss_thread *th = &ss->procs[i].threads[t];

            if (th->nframes > KPT_MAX_SS_FRAMES || (th->wait_kind && !th->waits) ||
                th->wait_kind > 2)
                abort();
            for (f = 0; f < th->nframes; f++)
                if (th->fimage[f] >= ss->nimages)
                    abort();
        }
    fuzz_check_hang(a, ss);
}

/* the bytes as base64 */
static char *
b64(const uint8_t *s, size_t n, size_t *on)
{
    static const char d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc((n + 2) / 3 * 4 + 1), *q = o;
    size_t i;

    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);

        *q++ = d[v >> 18];
        *q++ = d[v >> 12 & 63];
        *q++ = i + 1 < n ? d[v >> 6 & 63] : '=';
        *q++ = i + 2 < n ? d[v & 63] : '=';
    }
    *on = (size_t)(q - o);
    return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(65536);
    static const char head[] = "{\"bug_type\":\"210\"}\n{\"macOSProcessedStackshotData\":\"";
    static const char tail[] = "\",\"macOSPanicString\":\"panic(cpu 0 caller 0xffffff801c051957): "
                               "userspace watchdog timeout: "
                               "no successful checkins from svc in 120 seconds\\n\"}\n";
    struct kpt_limits lim;
    struct kpt_report r;
    size_t n, len;
    char *enc, *d;

    check(a, ing_pss_parse((const char *)data, size, a));
    check(a, ing_pss_from((const char *)data, size, size & 1, a));
    enc = b64(data, size, &n);
    check(a, ing_pss_from(enc, n, 0, a));
    len = sizeof(head) - 1 + n + sizeof(tail) - 1;
    d = malloc(len);
    memcpy(d, head, sizeof(head) - 1);
    memcpy(d + sizeof(head) - 1, enc, n);
    memcpy(d + sizeof(head) - 1 + n, tail, sizeof(tail) - 1);
    kpt_limits_default(&lim);
    kpt_report_init(&r, a, "fuzz");
    if (ing_parse(d, len, &lim, a, &r) < 0 && !r.error)
        abort();
    if (!r.hang || !r.hang->why)
        abort(); /* a watchdog: a hang, with its thread or why none */
    free(d);
    free(enc);
    arena_free(a);
    return 0;
}
