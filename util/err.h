/*
 * err.h - the one way an error travels up. A function that can fail returns 0 (or a
 * count), or a negative enum kpt_err, and says why in a caller-owned struct buf *err that
 * it only appends to (NULL: the caller does not want the words). It never prints: stages
 * return, and only the driver reports, through util/diag.h. kpt_fail() is that in one call.
 */
#ifndef KPT_ERR_H
#define KPT_ERR_H

#include <stddef.h>

struct buf;

enum kpt_err {
    KPT_OK = 0,
    KPT_E_PARSE = -1,   /* input does not follow its grammar */
    KPT_E_LIMIT = -2,   /* input exceeds a configured limit */
    KPT_E_IO = -3,      /* a read or write failed; errno-derived text in the diagnostic */
    KPT_E_FORMAT = -4,  /* input is not a panic report, or an unsupported one */
    KPT_E_CHILD = -5,   /* a child process failed */
    KPT_E_TIMEOUT = -6, /* a child process did not answer in time */
};

const char *kpt_strerror(int err);

/* kpt_warn_fn - where a stage's warnings go while it runs (a KDK that is none, a cache not
 * written): one message, no prefix, no newline, any bytes (the driver passes diag_warn,
 * util/diag.h, which escapes them); NULL: nowhere */
typedef void kpt_warn_fn(const char *msg);

/* kpt_errno_text() - strerror(e) in b (n bytes), safe on any thread: ingest's reads run on
 * the pool's workers (strerror may share one buffer) */
const char *kpt_errno_text(int e, char *b, size_t n);

/* kpt_fail() - append the formatted reason to err (when not NULL) and return code */
int kpt_fail(struct buf *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* kpt_fail_line() - the same as one more line of err: a newline first when err holds a
 * reason already (the driver prints each line as a message: util/diag.h, diag_lines()) */
int kpt_fail_line(struct buf *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * kpt_quote() - append s, text taken from a report (a bug_type, a key), to err the one way a
 * reason quotes it: at most KPT_QUOTE_MAX bytes, cut before a UTF-8 character rather than
 * inside one, then "..." when cut. Controls are left to the output's escaping (util/diag.h
 * for standard error, report/ for the files), which shows them visibly.
 */
#define KPT_QUOTE_MAX 40
void kpt_quote(struct buf *err, const char *s);

#endif
