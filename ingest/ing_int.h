/*
 * ing_int.h - helpers shared by the ingest parsers; private to ingest/.
 */
#ifndef KPT_ING_INT_H
#define KPT_ING_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "util/buf.h"

/* Parse panic text (kinds A and D, and the text inside B, C, E) into r. */
int ing_text_parse(const char *text, size_t len, const struct kpt_limits *lim, struct arena *a,
                   struct kpt_report *r);

/*
 * Errors. The container parsers below return 0 or a negative enum kpt_err, and append why an
 * input is refused to err (util/err.h); none of them writes r->error. r->error is written in
 * three places only, one per kind of reason:
 *   - a refusal: ing_parse() (ing_parse.c), from err, once the parsers have returned;
 *   - a partial report: ing_set_partial() (ing_values.c), the first reason kept. A report
 *     that is partial is no failure (the parse goes on and returns 0), so its reason is not
 *     carried up as an error but set where the damage is seen;
 *   - what a file's name says, once ing_parse() has returned: ing_input.c (empty, skipped
 *     by name, another kind of file), which wraps ing_parse() and never runs inside it.
 */

/* Kinds B and C: header line + JSON body, or a damaged .ips body. 'hdr' is the byte offset
 * of the header line, or (size_t)-1 when there is none. */
int ing_json_parse(const char *data, size_t len, size_t hdr, const struct kpt_limits *lim,
                   struct arena *a, struct kpt_report *r, struct buf *err);

/* Kind E as a binary property list (bplist00), through libplist. */
int ing_bplist_parse(const char *data, size_t len, const struct kpt_limits *lim, struct arena *a,
                     struct kpt_report *r, struct buf *err);

/* UTF-16 text: ing_utf16_kind() says which (0: none; *bom: bytes of BOM to skip) and
 * ing_utf16_to_utf8() converts it into out (at most max bytes: KPT_E_LIMIT), *bad counting
 * the code units that were no valid UTF-16 (each became '?'). */
int ing_utf16_kind(const char *d, size_t n, size_t *bom);
int ing_utf16_to_utf8(const char *d, size_t n, int kind, size_t max, struct buf *out, size_t *bad);

/* Kind E: an XML property list. */
int ing_plist_parse(const char *data, size_t len, const struct kpt_limits *lim, struct arena *a,
                    struct kpt_report *r, struct buf *err);

/*
 * ing_json_unescape() - decode a JSON string body (no surrounding quotes) from s[0..n) into
 * out, leniently: raw control characters pass through, a bad escape is kept as written,
 * \u0000 becomes U+FFFD. Returns 0, or KPT_E_LIMIT when out's cap is hit.
 */
int ing_json_unescape(const char *s, size_t n, struct buf *out);

/* ing_parse_kernel_version() - set r's kernel_version (v, kept), xnu, variant, soc, arch. */
void ing_parse_kernel_version(struct arena *a, struct kpt_report *r, const char *v);

/* ing_text_digest() - XXH3-128 of text d[0..n) with line ends and trailing blanks folded
 * (ing_identity.c); ing_set_identity() - r's identity: its incident id, else that digest */
void ing_text_digest(const char *d, size_t n, uint8_t out[16]);
void ing_set_identity(struct arena *a, struct kpt_report *r, const uint8_t digest[16]);

/* ing_archive_check.c: ing_zip_shared_entry() - the name (malloc'd) of the first entry of a
 * zip's central directory that points at a local header an earlier entry points at too
 * (libarchive reads one of them), or NULL; the len bytes are read through rd. A zip64 or
 * unreadable directory is not judged here. ing_zstd_window() - the window a zstd frame
 * starting at d[0..n) declares (0: none, or no zstd frame) */
/* ing_read_at_fn - as pread(2): the bytes read (0 at the end), -1 when off is past it */
typedef ssize_t ing_read_at_fn(const void *ctx, void *out, size_t n, uint64_t off);
char *ing_zip_shared_entry(ing_read_at_fn *rd, const void *ctx, uint64_t len);
uint64_t ing_zstd_window(const unsigned char *d, size_t n);
/* ing_archive_magic() - 1 when d[0..n) may start an archive or a compressed stream that
 * libarchive reads; ing_compressed_magic() - 1 for a compressed stream's start;
 * ing_gzip_holds_archive() - 1 when the gzip stream in[0..n) (its first 64 KiB judged, so
 * one cut short still tells) starts with an archive: a tar.gz, not a gzipped report;
 * ing_nested_archive() - 1 when member bytes d[0..n) may be an archive (a gzipped one when
 * its stream starts with one); ing_stream_damage() - why a compressed stream that does not
 * read even at its start was refused, when its header tells (a zstd window over libzstd's
 * limit; written to out), else NULL */
/* ing_archive_reader() - a libarchive reader with the compressions it decodes itself (one
 * that would run an external program is never registered): raw (a lone compressed stream)
 * or for zip, tar, cpio and 7z; NULL when one cannot be set up */
struct archive;
struct archive *ing_archive_reader(int raw);
int ing_archive_magic(const unsigned char *d, size_t n);
/* ing_binary_head() - nonzero (the count of control bytes that decided it) when the start
 * of d[0..n) is no text; the one rule of text or binary, for a report and for a stackshot
 * in text (ing_kind.c) */
size_t ing_binary_head(const char *d, size_t n);
int ing_compressed_magic(const unsigned char *d, size_t n);
int ing_gzip_holds_archive(const unsigned char *in, size_t n);
int ing_nested_archive(const char *d, size_t n);
const char *ing_stream_damage(const unsigned char *head, size_t n, char *out, size_t cap);

/* ing_set_partial() - mark r partial with reason 'why' (first reason wins). */
void ing_set_partial(struct kpt_report *r, struct arena *a, const char *why);

/* ing_build_token() - 1 when s[0..n) is a build token such as 13E28 or 25A5306g. */
int ing_build_token(const char *s, size_t n);

/* ing_build_from_version() - the build inside the last "(...)" of an os_version string
 * ("iPhone OS 26.1 (23B85)"), or a bare build token; NULL when there is none. */
const char *ing_build_from_version(struct arena *a, const char *v);

/* ing_parse_ips_time() - "YYYY-MM-DD HH:MM:SS[.cc] [+-]HHMM" to epoch seconds. 0 or KPT_E_PARSE. */
int ing_parse_ips_time(const char *s, int64_t *out);

/* The top level of an .ips body, read by the stackshot's JSON reader (ing_ss.c): jansson
 * would build the whole megabyte of stackshot only to throw it away. */
enum {
    ING_B_PANIC,
    ING_B_HOST_PANIC,
    ING_B_BUILD,
    ING_B_PRODUCT,
    ING_B_KERNEL,
    ING_B_DATE,
    ING_B_INCIDENT,
    ING_B_N
};
struct ing_body {
    const char *s[ING_B_N];     /* the members' strings (integers as digits), or NULL */
    const char *procs, *images; /* processByPid's and binaryImages' raw values, or NULL */
    size_t nprocs, nimages;
    struct kpt_stackshot *pre; /* processByPid as read by the scan (a hang's), or NULL */
    /* macOSProcessedStackshotData (an Intel Mac's): its string's raw body (escapes not
     * decoded; a string not closed: up to the body's end, pss_cut), or NULL */
    const char *pss;
    size_t npss;
    int has_pss, pss_cut;
    int ok; /* the body is one well-formed object */
};
/* ing_body_scan() - the members of body[0..len) (strings at most max bytes each) */
void ing_body_scan(const char *body, size_t len, size_t max, struct arena *a, struct ing_body *b);
/* ing_ss_from() - the stackshot of a scanned body; never NULL (damage in ->damage) */
struct kpt_stackshot *ing_ss_from(const struct ing_body *b, struct arena *a);
/* ing_ss_parse() - both at once, for a body alone (tests, fuzzing) */
struct kpt_stackshot *ing_ss_parse(const char *body, size_t len, struct arena *a);
/* ing_pss_parse() - a processed stackshot in text (ing_pss.c); never NULL, never damaged
 * by itself. ing_pss_from() - the stackshot macOSProcessedStackshotData's raw string body
 * raw[0..n) holds (cut: the string was not closed), or why it holds none (->damage: empty,
 * cut, not base64, a placeholder sentence, binary kcdata) (ing_pss_body.c) */
struct kpt_stackshot *ing_pss_parse(const char *text, size_t len, struct arena *a);
struct kpt_stackshot *ing_pss_from(const char *raw, size_t n, int cut, struct arena *a);

/* ing_hang_service() - the starved party panic message msg names (a watchdog's service, a
 * busy timeout's IOService, an unresponsive queue's process), or NULL: not a hang. *fallback:
 * the process whose threads do that party's work when none has its name (or NULL). */
const char *ing_hang_service(struct arena *a, const char *msg, const char **fallback);

/* ing_hang_choose() - r->hang: the thread of r->ss (may be NULL) that explains the hang. */
void ing_hang_choose(struct arena *a, struct kpt_report *r, const char *service,
                     const char *fallback);

/* ing_kind.c: ing_kind_bug_type() - for an .ips header line hdr[0..n) of another bug_type than
 * 210, what it is (in a); NULL for 210 or no readable bug_type. ing_text_has_anchor() - 1
 * when text d[0..n) has a panic report's anchor (a panic line or its variants, a
 * machine-check block, a backtrace header, ... or three of a report's field lines), not
 * merely one field name; ing_body_has_anchor() - 1 when a JSON body holds a panic string.
 * (ing_name_looks_report(): ing.h) */
const char *ing_kind_bug_type(struct arena *a, const char *hdr, size_t n);
/* ing_regs_line() - an Intel register row ("RAX: 0x..., RBX: 0x..., ...") into r->gpr; the
 * first dump's values win (ing_regs.c) */
void ing_regs_line(struct kpt_report *r, const char *s, size_t n);
int ing_text_has_anchor(const char *d, size_t n);
int ing_body_has_anchor(const char *d, size_t n);

#endif
