/*
 * pipeline.h - the only code that knows the order of the stages:
 * ingest -> symbolicate -> cluster -> report (pipeline.c: a run; pipeline_one.c: --trace and
 * --explain; pipeline_merge.c: merge).
 */
#ifndef KPT_PIPELINE_H
#define KPT_PIPELINE_H

#include "driver/cli.h"

/* pipeline_run() - run over o's inputs and write the outputs; returns an enum kpt_exit. */
int pipeline_run(const struct kpt_opts *o);

/* pipeline_trace() - kptrace's job: one report's symbolicated backtrace on stdout, one
 * "  - module`function + off at file:line" line per frame; returns an enum kpt_exit. */
int pipeline_trace(const struct kpt_opts *o);

/* pipeline_explain() - how one report's signature came about, on stdout (clu_explain()). */
int pipeline_explain(const struct kpt_opts *o);

/* pipeline_merge() - 'kptrace-batch merge STATE...': the Markdown, CSVs and JSON one run over
 * every shard's inputs would have written (states of --emit-state). */
int pipeline_merge(const struct kpt_opts *o);

/* pipeline_triage() - 'kptrace-batch triage DB SIGNATURE_ID [...]': record a decision, or
 * print the cluster's record; pipeline_history() - 'kptrace-batch history DB': the trend
 * table on stdout. Both return an enum kpt_exit. */
int pipeline_triage(const struct kpt_opts *o);
int pipeline_history(const struct kpt_opts *o);

#endif
