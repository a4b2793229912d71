/*
 * ing_text.h - inside ingest/: the panic-text grammar's state and the helpers its files
 * share: the lines of a text (ing_lines.c; the cursors are util/cursor.h), frame lines
 * (ing_frames.c), the kext lines (ing_kext.c), values such as builds, kernel versions and dates
 * (ing_values.c), the grammar itself (ing_text.c).
 */
#ifndef KPT_ING_TEXT_H
#define KPT_ING_TEXT_H

#include <string.h>

#include "ingest/ing_int.h"
#include "util/cursor.h"

/* one line of text, trimmed (see ing_lines_next()) */
struct ing_line {
    const char *s; /* left-trimmed start */
    size_t n;      /* length after trimming both ends */
    const char *raw;
    size_t rawn;
};

/* ing_starts() - 1 when line l starts with key */
static inline int
ing_starts(const struct ing_line *l, const char *key)
{
    size_t n = strlen(key);

    return l->n >= n && !memcmp(l->s, key, n);
}

/* the text parser's state */
struct ing_tp {
    const struct kpt_limits *lim;
    struct arena *a;
    struct kpt_report *r;
    struct buf msg;
    int in_msg, msg_quote_open, msg_done;
    int in_loaded, want_build, want_kversion;
    int in_nested, frames_closed, saw_bt_header;
    int second_panic; /* another report's panic line after this one's backtrace */
    int kexts_dropped;
    int arm_hint, intel_hint;  /* register rows and the like seen */
    int mca;                   /* a machine-check block seen */
    int mca_family, mca_model; /* -1 until read */
    uint64_t mca_banks;        /* banks 0..63 whose IA32_MCi_STATUS is valid (bit 63) */
    size_t frames_cap, kexts_cap, loaded_cap;
};

/* the lines of a text: LF, CRLF and a lone CR end a line, so does EOF; a line longer than
 * max is cut (over set) and its rest skipped; trailing blanks are trimmed, and a Markdown
 * quote prefix stripped when most lines carry it */
struct ing_lines {
    const char *text;
    size_t len, pos, max;
    size_t lf; /* the next LF, found once (ing_lines.c) */
    int strip, over;
};
void ing_lines_init(struct ing_lines *it, const char *text, size_t len, size_t max);
int ing_lines_next(struct ing_lines *it, struct ing_line *l); /* 0 at the end */

/* ing_intel_frame(), ing_arm_frame() - a frame line of either kind into r (last_partial:
 * the text's last line, cut): 0, 1 when it is a frame cut short, KPT_E_PARSE when it is none */
int ing_intel_frame(struct ing_tp *t, const struct ing_line *l, int last_partial);
int ing_arm_frame(struct ing_tp *t, const struct ing_line *l, int last_partial);

/* ing_wrapped_frame() - a keepsyms frame line hard-wrapped after its '+' (l) joined with
 * the offset alone on the next line of it (consumed): 1, or 0 with l and it unchanged */
int ing_wrapped_frame(struct arena *a, struct ing_lines *it, struct ing_line *l);

/* ing_mca_line() - a line of a machine check's MCA block into t: 0, or KPT_E_PARSE when l is none;
 * ing_mca_summary() - what was read, "family F model M; banks B ...", in t's arena */
int ing_mca_line(struct ing_tp *t, const struct ing_line *l);
const char *ing_mca_summary(struct ing_tp *t);

/* ing_kext_line() - a "Kernel Extensions in backtrace" entry: 0, or KPT_E_PARSE when l is none */
int ing_kext_line(struct ing_tp *t, const struct ing_line *l);
/* ing_loaded_line() - one "loaded kexts:" entry */
void ing_loaded_line(struct ing_tp *t, const struct ing_line *l);
/* ing_date_line() - "Sat Jun 13 17:31:08 2015" as r's local time: 0, or KPT_E_PARSE when l is none
 */
int ing_date_line(struct ing_tp *t, const struct ing_line *l);

/* the panic line and its message (ing_text_msg.c): ing_msg_panic_line() - a "panic(...)"
 * line starts the message (0), else -1; ing_msg_append() - a line after it, added;
 * ing_msg_terminator() - whether a line ends it; ing_msg_finish() - the message made;
 * ing_msg_fault_data() - the fault's data lines (CR2, error code) read */
void ing_msg_finish(struct ing_tp *t);
void ing_msg_append(struct ing_tp *t, const char *s, size_t n);
int ing_msg_panic_line(struct ing_tp *t, const struct ing_line *l);
void ing_msg_fault_data(struct ing_tp *t, const struct ing_line *l);
int ing_msg_terminator(const struct ing_line *l);

#endif
