#!/bin/sh
# fuzz/regress.sh DIR - replay the project's test inputs, the samples and (when present) the
# shared corpus through every fuzz target in DIR, one input at a time.
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
for t in "$DIR"/fuzz_*; do
    [ -x "$t" ] || continue
    echo "$inputs" | while IFS= read -r f; do
        [ -n "$f" ] || continue
        if ! "$t" "$f" >/dev/null 2>"$DIR/last.err"; then
            echo "not ok - $(basename "$t") $f"; cat "$DIR/last.err"; exit 1
        fi
    done && pass=$((pass + 1)) || fail=$((fail + 1))
    echo "ok - $(basename "$t") replayed $(echo "$inputs" | grep -c .) inputs"
done
echo "fuzz-regress: $pass passed, $fail failed"
[ "$fail" = 0 ]
