/*
 * esc.h - the characters no output shows raw: C0 controls and DEL (bytes), C1 controls
 * (U+0080-U+009F as UTF-8), and the invisible direction controls (U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069) that reorder what a reader sees. Each output kind has one
 * rule built on these (report/rep_escape.c for Markdown, CSV, HTML and SVG; esc_term()
 * for the terminal); every text taken from a report, a file name or a note goes through it.
 */
#ifndef KPT_ESC_H
#define KPT_ESC_H

#include <stddef.h>

struct buf;

/* esc_utf8_len() - length of the valid UTF-8 sequence at p (avail bytes there), or 0 */
size_t esc_utf8_len(const unsigned char *p, size_t avail);
/* esc_special() - at p: the length of a control or direction character and its code point
 * in *cp, or 0 when the character there may be shown as it is (or is no valid UTF-8) */
size_t esc_special(const unsigned char *p, size_t avail, unsigned *cp);
/* esc_visible() - the visible form of code point cp: \xNN below U+0080, else \uNNNN */
void esc_visible(struct buf *b, unsigned cp);
/*
 * esc_term() - s (len bytes) for a terminal: every esc_special() character and every byte
 * that is no valid UTF-8 shown as \xNN or \uNNNN, the rest as it is; at most max bytes of
 * s, then "...".
 */
void esc_term(struct buf *b, const char *s, size_t len, size_t max);

#endif
