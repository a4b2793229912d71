#!/bin/sh
# tests/cli/shard.sh BINARY - shard a fleet four ways, run the shards in parallel (GNU
# parallel), merge their states, and compare every output byte for byte with one run.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${KPT_CORPUS:-$SRC/../shared/corpus}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
no() { fail=$((fail + 1)); echo "not ok - $1"; }

mkdir -p "$T/fleet"
cp -r "$SRC/samples" "$T/fleet/samples"
cp -r "$SRC/tests/data" "$T/fleet/data"
[ -d "$CORPUS" ] && cp -r "$CORPUS" "$T/fleet/corpus" || echo "# the shared corpus is not there: a smaller fleet"
OUT="--csv c.csv --reports-csv r.csv --json s.json -o s.md"
cd "$T"

mkdir one && (cd one && timeout 120 "$BIN" -q --no-symbolicate --csv c.csv --reports-csv r.csv \
    --json s.json -o s.md ../fleet) ; echo "# single run: exit $?"
(cd fleet && find . -type f) | sed 's|^\./|../fleet/|' | sort > all.txt
n=$(wc -l < all.txt)
split -n r/4 all.txt shard.
mkdir shards && cd shards
if command -v parallel >/dev/null; then
    ls ../shard.* | parallel --will-cite -j4 "timeout 120 '$BIN' -q --no-symbolicate -o /dev/null --emit-state state{#}.json - < {}"
    echo "# 4 shards run with GNU parallel"
else
    i=0
    for s in ../shard.*; do i=$((i + 1)); timeout 120 "$BIN" -q --no-symbolicate -o /dev/null --emit-state "state$i.json" - < "$s" & done
    wait
    echo "# GNU parallel is not installed: 4 shards run as background jobs"
fi
[ "$(ls state*.json | wc -l)" = 4 ] && ok "4 states written" || no "states missing"
timeout 120 "$BIN" merge -q --csv c.csv --reports-csv r.csv --json s.json -o s.md state*.json
rc=$?
[ "$rc" -le 1 ] && ok "merge exit $rc" || no "merge exit $rc"
for f in s.md c.csv r.csv s.json; do
    if cmp -s "../one/$f" "$f"; then ok "merged $f identical to the single run ($n inputs)"; else no "merged $f differs"; diff "../one/$f" "$f" | head -5; fi
done
# a merge of merges: the state of a merge merges again to the same
timeout 120 "$BIN" merge -q -o /dev/null --emit-state ab.json state1.json state2.json
timeout 120 "$BIN" merge -q -o /dev/null --emit-state cd.json state3.json state4.json
timeout 120 "$BIN" merge -q -o s2.md ab.json cd.json
cmp -s ../one/s.md s2.md && ok "merging merged states gives the same summary" || no "merge of merges differs"
timeout 30 "$BIN" merge -q -o x.md ../all.txt 2>/dev/null
[ $? = 3 ] && ok "a file that is no state is refused (exit 3)" || no "a non-state was accepted"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
