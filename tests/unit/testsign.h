/*
 * testsign.h - for the unit tests that sign whole reports (header-only, as testlib.h).
 */
#ifndef KPT_TESTSIGN_H
#define KPT_TESTSIGN_H

#include "tests/unit/testlib.h"

#include "cluster/clu.h"
#include "ingest/ing.h"
#include "symbolicate/sym.h"

/* text parsed, resolved without symbols and signed with the built-in rules: its primary id */
static inline const char *
tl_sign_text(struct arena *a, const char *text)
{
    struct clu_rules *c = clu_rules_new();
    struct sym_ctx *s = sym_ctx_new(NULL, NULL);
    struct kpt_limits lim;
    struct kpt_report r;
    const char *id;

    kpt_limits_default(&lim);
    kpt_report_init(&r, a, "t");
    assert_int_equal(ing_parse(text, strlen(text), &lim, a, &r), 0);
    sym_resolve(s, a, &r);
    clu_sign(c, a, &r);
    id = r.sig_id;
    sym_ctx_free(s);
    clu_rules_free(c);
    return id;
}

#endif
