#!/bin/sh
# tests/cli/memory.sh BINARY - memory does not grow with -j (issue 30, item 2): 16 gzipped
# reports that each decompress to 8 MB, read under an address-space cap (ulimit -v) with
# --max-file-bytes 9 MiB, give the same outputs at -j24 as at -j1: the workers wait for the
# memory budget instead of being refused memory. (The issue's 100 reports of 60 MB are
# bench/memory.sh, in make bench, with its peak RSS in bench/RESULTS.md.)
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
if ! (ulimit -v 4000000) 2>/dev/null; then
    echo "# SKIP tests/cli/memory.sh: ulimit -v cannot be set here"
    echo "0 passed, 0 failed"
    exit 0
fi
# big N MB: N gzipped copies of intel-legacy.panic (each its own machine), each padded to MB
big() {
    mkdir -p big
    i=0
    while [ "$i" -lt "$1" ]; do
        { sed "s/00000000-1111-4222-8333-444444444444/00000000-1111-4222-8333-$(printf %012d "$i")/" \
              "$SRC/tests/data/intel-legacy.panic"
          awk -v mb="$2" -v i="$i" 'BEGIN { l = sprintf("%-99s", "filler " i); for (k = 0; k < mb * 10486; k++) print l }'
        } | gzip -1 > "big/r$i.panic.gz"
        i=$((i + 1))
    done
}
# 800 MB of address space: -j24's threads take about half (their stacks and heaps); the
# rest holds two of these reports at once, not 24
cap=800000
# (the probe's sanitizer, if any, says so on stderr, not into make sanitize's report folder)
if ! ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=stderr" sh -c 'ulimit -v "$1" && exec "$2" --version' sh $cap "$BIN" >/dev/null 2>&1; then
    # an ASan build reserves terabytes of address space: it cannot start under any cap
    echo "# SKIP tests/cli/memory.sh: the binary does not start under ulimit -v $cap (a sanitizer build?)"
    echo "0 passed, 0 failed"
    exit 0
fi
big 16 8
for j in 1 24; do
    (ulimit -v $cap && "$BIN" -q --no-symbolicate -j $j --max-file-bytes 9437184 -o s$j.md \
        --reports-csv r$j.csv big 2>err$j.txt)
    echo $? > rc$j
done
rej=$(grep -c 'not enough memory' r24.csv)
[ "$(cat rc1)" = 0 ] && [ "$(grep -c ',partial,\|,ok,' r1.csv)" = 16 ] &&
    ok "-j1 under ulimit -v $cap: all 16 read" || no "-j1 under ulimit -v $cap: exit $(cat rc1), $(cat err1.txt)"
[ "$(cat rc24)" = "$(cat rc1)" ] && cmp -s r1.csv r24.csv && cmp -s s1.md s24.md &&
    ok "-j24 under ulimit -v $cap: the same outputs as -j1" ||
    no "-j24 under ulimit -v $cap: exit $(cat rc24), $rej rejected for memory, outputs differ from -j1"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
