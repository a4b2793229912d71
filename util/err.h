/*
 * err.h - the one way an error travels up. A function that can fail returns 0 (or a
 * count), or a negative enum kpt_err, and says why in a caller-owned struct buf *err that
 * it only appends to (NULL: the caller does not want the words). It never prints: stages
 * return, and only the driver reports, through util/diag.h. kpt_fail() is that in one call
 * (kpt_fail_line() for a reason of several steps, one line each). No bare 'return -1;':
 * make check-deps refuses one (tools/check-errors.sh).
 *
 * The exceptions, and why:
 *   - A -1 that is no error code says so on its line ("return -1; / * -1: why * /"): a
 *     wrapper that answers as the system call it stands for, with errno (util/longpath.c:
 *     open(2), stat(2) past PATH_MAX), a callback with pread(2)'s contract
 *     (ingest/ing_archive.c). A value that is an answer, not a failure, gets a name
 *     (OUTFILE_NO_LOCK, a register index's NO_REGISTER, a histogram's NOTHING).
 *   - Libraries keep their own conventions at their boundary (getopt_long's -1, SQLite's and
 *     libarchive's codes); they are turned into a kpt_err where our code takes over.
 *   - Printing outside the driver: util/diag.c and util/progress.c are the driver's printer
 *     and progress line (only driver/ calls them). util/xalloc.c writes out of memory and
 *     KPT_BUG() to standard error itself, then aborts: there is no caller to return to.
 *   - The signal registry (util/cleanup.c): a handler may call only async-signal-safe
 *     functions, so it has no struct buf and no way back to a caller; it removes what is
 *     registered and re-raises the signal, whose status (128 + N) says what happened.
 *   - The forked child (util/proc.c, between fork and exec): the same constraint; a failed
 *     chdir or exec ends it with _exit(126 or 127), and the parent, seeing it end, returns
 *     KPT_E_CHILD with the words (proc_exchange()).
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
