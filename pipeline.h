/*
 * pipeline.h - the only code that knows the order of the stages:
 * ingest -> symbolicate -> cluster -> report.
 */
#ifndef KPT_PIPELINE_H
#define KPT_PIPELINE_H

#include "cli.h"

/* pipeline_run() - run over o's inputs and write the outputs; returns an enum kpt_exit. */
int pipeline_run(const struct kpt_opts *o);

#endif
