#!/bin/sh
# The labelled real-world test (issue 19): BCubed precision and recall of the clusters
# against ../shared/corpus/LABELS.tsv, read in place. Every disagreement is printed with
# both signatures; the firm labels must score the floors below (P = R = 1.0), which never fall.
# The disagreements left are argued in cluster/SIGNATURES.md.
set -eu
BIN=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${KPT_CORPUS:-$SRC/../shared/corpus}
FIRM_P=1.0
FIRM_R=1.0
if [ ! -f "$CORPUS/LABELS.tsv" ]; then
    echo "# SKIP labelled corpus: $CORPUS/LABELS.tsv is not there"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "# SKIP labelled corpus: python3 is not installed"
    exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/kpt-labels.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
tail -n +2 "$CORPUS/LABELS.tsv" | cut -f1 | sed "s|^|$CORPUS/|" >"$T/list"
rc=0
"$BIN" -q --no-symbolicate --no-cache --json "$T/run.json" - <"$T/list" >"$T/summary.md" || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "not ok - labelled corpus: the run exited $rc"
    exit 1
fi
if python3 "$SRC/tests/cli/labels.py" "$CORPUS/LABELS.tsv" "$T/run.json" --min-firm $FIRM_P $FIRM_R; then
    echo "ok - labelled corpus: firm labels at or above P $FIRM_P R $FIRM_R"
else
    echo "not ok - labelled corpus"
    exit 1
fi
