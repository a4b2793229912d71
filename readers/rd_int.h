/*
 * rd_int.h - inside readers/: the CSV record splitter, the lossless strings of a state, and
 * the model's tables read back from JSON.
 */
#ifndef KPT_RD_INT_H
#define KPT_RD_INT_H

#include <jansson.h>

#include "model/fields.h"
#include "model/model.h"

/* rd_csv_record() - one RFC 4180 record from *p: its cells into *out (each malloc'd), their
 * number returned; 0 at the end */
size_t rd_csv_record(const char **p, const char *end, char ***out, size_t *cap);
/* rd_csv_one() - row as exactly one record: its cells into l; KPT_E_PARSE when it is not
 * one */
int rd_csv_one(const char *row, size_t len, struct strv *l);

/* rd_lossless_dec() - a state's lossless string back to its bytes (malloc'd); NULL when an
 * escape is not "\\\\" or "\\x" and two hex digits, or would give a NUL */
char *rd_lossless_dec(const char *s);

/* rd_fields_read() - a state's object back into obj (strings and histograms owned);
 * KPT_E_PARSE when a count is not an integer from 0 to 2^53, or a histogram entry is empty */
int rd_fields_read(const struct kpt_field *t, void *obj, json_t *o);
/*
 * rd_scalars_read() - the members of o named by table t's rows that show in 'in' (KPT_IN_*)
 * into obj: as a state keeps them (a NULL: strings lossless, owned) or as --json shows them
 * (strings in a). A member absent leaves its field as obj had it (a rejected row has no
 * format); null is the field's nothing. KPT_E_PARSE when one does not follow its
 * type (a key not 16 hex digits, an unknown name, a count out of range, ...): its name in
 * *bad_key.
 */
int rd_scalars_read(const struct kpt_scalar *t, unsigned in, void *obj, json_t *o, struct arena *a,
                    const char **bad_key);
/* rd_is_hex16() - s is 16 lowercase hex digits */
int rd_is_hex16(const char *s);

#endif
