/*
 * diag.h - the one way a message reaches standard error: "kptrace-batch: " then the text,
 * every control, C1 and direction character and every byte that is no UTF-8 shown visibly
 * (util/esc.h), each part cut at a fixed length, the progress line cleared first. Text that
 * came from a report, a file name, a note or the command line is safe to pass.
 */
#ifndef KPT_DIAG_H
#define KPT_DIAG_H

#define DIAG_PREFIX "kptrace-batch: " /* every line on standard error starts so */
#define DIAG_SUBJECT_MAX 200          /* a path or name: bytes shown before "..." */
#define DIAG_TEXT_MAX 400             /* a whole message */

struct progress;

/* diag_set_progress() - the progress line (util/progress.h) each message clears first, or
 * NULL; the driver's, set while it draws one */
void diag_set_progress(struct progress *p);
/* diag_report() - "kptrace-batch: SUBJECT: WHY" */
void diag_report(const char *subject, const char *why);
/* diag_printf() - "kptrace-batch: " and the formatted message (escaped as a whole) */
void diag_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* diag_warn() - "kptrace-batch: MSG": the kpt_warn_fn (util/err.h) the driver hands stages */
void diag_warn(const char *msg);
/* diag_lines() - each line of text (a reason a function returned in a struct buf, several
 * with kpt_fail_line()) as one message; nothing for an empty text */
void diag_lines(const char *text);

#endif
