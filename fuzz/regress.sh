#!/bin/sh
# fuzz/regress.sh DIR - replay the project's test inputs, the samples and (when present) the
# shared corpus through every fuzz target in DIR. Each target takes every input in one
# process, as libFuzzer replays a corpus (one process per input was 2,900 starts, most of
# the time under ASan); when that process fails, the inputs go through again one at a time
# to name the one that fails.
set -u
DIR=$1
SRC=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${KPT_CORPUS:-$SRC/../shared/corpus}
pass=0 fail=0
inputs=$(find "$SRC/tests/data" "$SRC/samples" "$SRC/fuzz/seeds" -type f 2>/dev/null)
if [ -d "$CORPUS" ]; then
    inputs="$inputs
$(find "$CORPUS" -type f)"
else
    echo "# SKIP the shared corpus: $CORPUS is not there"
fi
# the inputs as arguments (a name may hold spaces; none holds a newline)
set --
n=0
while IFS= read -r f; do
    [ -n "$f" ] || continue
    set -- "$@" "$f"
    n=$((n + 1))
done <<EOF
$inputs
EOF
for t in "$DIR"/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    if "$t" "$@" >/dev/null 2>"$DIR/last.err"; then
        pass=$((pass + 1))
        echo "ok - $name replayed $n inputs"
        continue
    fi
    fail=$((fail + 1))
    cp "$DIR/last.err" "$DIR/batch.err"
    culprit=
    for f in "$@"; do
        if ! "$t" "$f" >/dev/null 2>"$DIR/last.err"; then culprit=$f; break; fi
    done
    if [ -n "$culprit" ]; then
        echo "not ok - $name $culprit"; cat "$DIR/last.err"
    else
        echo "not ok - $name failed on the $n inputs together, on none alone"; cat "$DIR/batch.err"
    fi
done
echo "fuzz-regress: $pass passed, $fail failed"
[ "$fail" = 0 ]
