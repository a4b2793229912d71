#!/bin/sh
# tests/cli/shard.sh BINARY - shard a fleet four ways, run the shards in parallel (GNU
# parallel), merge their states, and compare every output byte for byte with one run; once
# with the default settings and once with non-default ones (--frames, --rules, filters).
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
CORPUS=${KPT_CORPUS:-$SRC/../shared/corpus}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/fleet"
cp -r "$SRC/samples" "$T/fleet/samples"
cp -r "$SRC/tests/data" "$T/fleet/data"
# an archive is split like a file: its members' rows come with it (issue 22)
(cd "$T/fleet" && tar czf data.tar.gz data)
[ -d "$CORPUS" ] && cp -r "$CORPUS" "$T/fleet/corpus" || echo "# the shared corpus is not there: a smaller fleet"
# watchdog panics with stackshots (hang sites and their examples go through the states)
HANGS=${KPT_FIXTURES:-$SRC/build/fixtures}/hangs
[ -d "$HANGS" ] && cp -r "$HANGS" "$T/fleet/hangs" || echo "# no fixture hang fleet (make fixtures): no hang sites merged"
[ -d "$HANGS-intel" ] && cp -r "$HANGS-intel" "$T/fleet/hangs-intel"
# a rules set of one's own: the built-in one with a prefix rule more (another digest)
cp -r "$SRC/cluster/rules/xnusig-1" "$T/myrules"
echo 'IOLock.*' >> "$T/myrules/prefix.txt"
cd "$T"
(cd fleet && find . -type f) | sed 's|^\./|../../fleet/|' | sort > all.txt
n=$(wc -l < all.txt)
awk '{ print > ("shard.a" substr("abcd", (NR - 1) % 4 + 1, 1)) }' all.txt # round robin, 4 shards

# shards LABEL OPTIONS...: one run and four shards merged, with the same run options
shards() {
    label=$1
    shift
    rm -rf "$T/$label" && mkdir -p "$T/$label/one" "$T/$label/shards"
    (cd "$T/$label/one" && timeout 120 "$BIN" -q --no-symbolicate "$@" --csv c.csv \
        --reports-csv r.csv --json s.json --html p.html -o s.md ../../fleet); echo "# $label: single run: exit $?"
    cd "$T/$label/shards"
    if command -v parallel >/dev/null; then
        ls ../../shard.* | parallel --will-cite -j4 "timeout 120 '$BIN' -q --no-symbolicate $* -o /dev/null --emit-state state{#}.json - < {}"
        echo "# $label: 4 shards run with GNU parallel"
    else
        i=0
        for s in ../../shard.*; do i=$((i + 1)); timeout 120 "$BIN" -q --no-symbolicate "$@" -o /dev/null --emit-state "state$i.json" - < "$s" & done
        wait
        echo "# $label: GNU parallel is not installed: 4 shards run as background jobs"
    fi
    [ "$(ls state*.json | wc -l)" = 4 ] && ok "$label: 4 states written" || no "$label: states missing"
    timeout 120 "$BIN" merge -q --csv c.csv --reports-csv r.csv --json s.json --html p.html -o s.md state*.json
    rc=$?
    [ "$rc" -le 1 ] && ok "$label: merge exit $rc" || no "$label: merge exit $rc"
    for f in s.md c.csv r.csv s.json p.html; do
        if cmp -s "../one/$f" "$f"; then ok "$label: merged $f identical to the single run ($n inputs)"
        else no "$label: merged $f differs"; diff "../one/$f" "$f" | head -5; fi
    done
    # a merge of merges: the state of a merge merges again to the same
    timeout 120 "$BIN" merge -q -o /dev/null --emit-state ab.json state1.json state2.json
    timeout 120 "$BIN" merge -q -o /dev/null --emit-state cd.json state3.json state4.json
    timeout 120 "$BIN" merge -q -o s2.md ab.json cd.json
    cmp -s ../one/s.md s2.md && ok "$label: merging merged states gives the same summary" || no "$label: merge of merges differs"
    cd "$T"
}

shards default
shards settings --frames 1 --rules "$T/myrules" --until 2026-01-01 --build 22G74 --build 21A5522h --build 23B85
grep -q 'keep 1 significant frames' settings/one/s.md && ok "settings: the summary says --frames 1" || no "settings: no --frames line"
cmp -s default/one/s.md settings/one/s.md && no "settings: the settings changed nothing" || ok "settings: the settings change the summary"

cd "$T/default/shards"
timeout 30 "$BIN" merge -q -o x.md ../../all.txt 2>/dev/null
[ $? = 3 ] && ok "a file that is no state is refused (exit 3)" || no "a non-state was accepted"
timeout 30 "$BIN" merge -q -o x.md state1.json ../../settings/shards/state2.json 2>err.txt
[ $? = 3 ] && grep -q 'frames\|rules' err.txt && ok "states with other settings are refused (exit 3)" || no "states with other settings merged"
timeout 120 "$BIN" -q --no-symbolicate --frames 2 -o /dev/null --emit-state f2.json - < ../../shard.aa
timeout 30 "$BIN" merge -q -o x.md state1.json f2.json 2>err.txt
[ $? = 3 ] && grep -q 'sig_frames' err.txt && ok "states made with other --frames are refused (exit 3)" || no "states with other --frames merged"
# a merge says what made its states, not what this binary is
sed 's/"algo":"[^"]*"/"algo":"xnusig\/0-old"/' state1.json > old.json
timeout 30 "$BIN" merge -q -o old.md --json old-s.json old.json
grep -q 'signatures xnusig/0-old' old.md && grep -q '"algo":"xnusig/0-old"' old-s.json &&
    ok "a merge labels its outputs with the states' algorithm" || no "a merge labels with its own algorithm"
timeout 30 "$BIN" merge -q --frames 2 -o x.md state1.json 2>/dev/null
[ $? = 2 ] && ok "merge --frames is a usage error (it belongs to the shards)" || no "merge --frames accepted"
# above 1,000 rejected files a run lists the first ones its walk meets; a merge the same ones
# (the walk order, component by component, is not byte order: "x/..." before "x-y/...")
R=$T/many && mkdir -p "$R/in/x" "$R/in/x-y" && cd "$R"
i=0; while [ $i -lt 600 ]; do echo "not a report" > "in/x/n$i.txt"; echo "not a report" > "in/x-y/n$i.txt"; i=$((i + 1)); done
timeout 120 "$BIN" -q --no-symbolicate -o one.md in
timeout 120 "$BIN" -q --no-symbolicate -o /dev/null --emit-state a.json in/x
timeout 120 "$BIN" -q --no-symbolicate -o /dev/null --emit-state b.json in/x-y
timeout 120 "$BIN" merge -q -o merged.md a.json b.json
cmp -s one.md merged.md && ok "1,200 rejected files: the merge lists the ones a run lists" || { no "1,200 rejected files: the merge lists others"; diff one.md merged.md | head -4; }
cd "$T"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
