#!/bin/sh
# tests/cli/hangs.sh BINARY FIXTURES - hang keys from stackshots, end to end: the labelled
# watchdog fleet of tests/fixtures/hangs.sh against the fixture KDK (real lldb). Hang keys
# must group exactly by root cause (BCubed F = 1), across both services and both image
# layouts; each service stays one primary cluster, pasted copies without a stackshot
# included; the turnstile owner's site is named; the outputs carry the sites.
set -u
BIN=$1 FX=$2
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $FX in /*) ;; *) FX=$(pwd)/$FX ;; esac
. "$(cd "$(dirname "$0")" && pwd)/compat.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SYM="--kdk-root $FX/kdks --kext $FX/kexts --no-cache"

timeout 300 "$BIN" $SYM -q --reports-csv "$T/r.csv" --json "$T/r.json" -o "$T/r.md" "$FX/hangs" 2>"$T/err"
check "the hang fleet runs (exit 0)" test $? -eq 0
# path, signature_id, hang_id, hang: the last columns of the reports CSV (no commas inside)
awk -F, 'NR > 1 { sub(/\r$/, ""); n = split($1, p, "/"); print p[n] "\t" $8 "\t" $(NF-1) "\t" $NF }' "$T/r.csv" | sort > "$T/keys.tsv"
sort "$FX/hangs.tsv" > "$T/labels.tsv"
join -t "$(printf '\t')" "$T/labels.tsv" "$T/keys.tsv" > "$T/joined.tsv"
check "the fleet is labelled (over 100 reports)" test "$(wc -l < "$T/labels.tsv")" -gt 100
check "every labelled report has a row" test "$(wc -l < "$T/joined.tsv")" -eq "$(wc -l < "$T/labels.tsv")"

# every report with a stackshot has a hang key naming its cause's function; none without
check "every stackshot gives a hang key" sh -c "awk -F'\t' '\$4 == 1 && \$7 == \"\"' '$T/joined.tsv' | grep -q . && exit 1 || exit 0"
check "no hang key without a stackshot" sh -c "awk -F'\t' '\$4 == 0 && \$7 != \"\"' '$T/joined.tsv' | grep -q . && exit 1 || exit 0"
check "pasted copies say why they have no site" sh -c "awk -F'\t' '\$4 == 0 && \$8 != \"(the report has no stackshot)\"' '$T/joined.tsv' | grep -q . && exit 1 || exit 0"
check "each site names its root cause's function" sh -c "awk -F'\t' '\$4 == 1 && index(\$8, \$5) == 0' '$T/joined.tsv' | grep -q . && exit 1 || exit 0"
check "the turnstile owner's site is named (FixtureStorage_top)" \
    sh -c "awk -F'\t' '\$3 == \"owner\" && \$4 == 1 && \$8 !~ /^com.apple.driver.FixtureStorage!FixtureStorage_top/' '$T/joined.tsv' | grep -q . && exit 1 || exit 0"

# BCubed precision and recall of the hang keys against the causes
awk -F'\t' '$4 == 1 { key[NR] = $7; lab[NR] = $3; n++ }
    END {
        for (i in key) { kc[key[i]]++; lc[lab[i]]++; both[key[i] SUBSEP lab[i]]++ }
        for (i in key) { p += both[key[i] SUBSEP lab[i]] / kc[key[i]]; r += both[key[i] SUBSEP lab[i]] / lc[lab[i]] }
        p /= n; r /= n; f = 2 * p * r / (p + r)
        for (k in kc) nk++
        printf "%d reports, %d hang keys, P=%.4f R=%.4f F=%.4f\n", n, nk, p, r, f
    }' "$T/joined.tsv" > "$T/bcubed"
check "hang keys group exactly by root cause: $(cat "$T/bcubed")" grep -q 'P=1.0000 R=1.0000 F=1.0000' "$T/bcubed"
check "one site behind two services has one hang key" \
    sh -c "test \$(awk -F'\t' '\$3 == \"kernel\" && \$4 == 1 { print \$7 }' '$T/joined.tsv' | sort -u | wc -l) -eq 1"
check "each service stays one primary cluster, stackshot or not" \
    sh -c "test \$(cut -f2,6 '$T/joined.tsv' | sort -u | wc -l) -eq 2"

# the outputs: Markdown sections, JSON per report, the cluster CSV's count of sites
check "Markdown: where it hung" grep -q '^#### Where it hung' "$T/r.md"
check "Markdown: hang sites across clusters" grep -q '^## Hang sites across clusters' "$T/r.md"
check "Markdown: a site row names both services" sh -c "grep -A12 '^## Hang sites across clusters' '$T/r.md' | grep 'vnode_flush' | grep 'WindowServer' | grep -q 'logd'"
check "JSON: the chosen thread and why" sh -c "grep -q '\"why\":\"turnstile owner, 1 hop from thread 1000 of WindowServer\"' '$T/r.json'"
timeout 300 "$BIN" $SYM -q --csv "$T/c.csv" -o /dev/null "$FX/hangs"
# hang_sites is the column before the last, culprit_owner (earlier cells hold quoted commas)
sites=$(tr -d '\r' < "$T/c.csv" | awk -F, 'NR > 1 { print $(NF - 1) }' | sort -u | tr '\n' ' ')
check "clusters CSV: four distinct sites per service ($sites)" test "$sites" = "4 "

# --explain shows the walk; --trace the hung thread after the panicked one
timeout 120 "$BIN" $SYM --explain "$FX/hangs/hang-059-WindowServer-owner-U-chain2.ips" > "$T/ex" 2>&1
check "--explain: the two-hop turnstile chain" sh -c "grep -q 'owner is thread 2000 of mds' '$T/ex' && grep -q 'owner is thread 101 of kernel_task' '$T/ex'"
check "--explain: wait plumbing dropped by its rule" grep -q 'wait .*hang-wait.txt:' "$T/ex"
timeout 120 "$BIN" $SYM --explain "$FX/hangs/hang-009-WindowServer-storage-U-mainfree.ips" > "$T/ex2" 2>&1
check "--explain: an idle uninterruptible thread is passed over" grep -q 'thread 1004: .*idle' "$T/ex2"
check "--explain: the deepest uninterruptible stack is chosen" grep -q 'chosen: thread 1005 of WindowServer' "$T/ex2"
timeout 120 "$BIN" $SYM --trace "$FX/hangs/hang-001-WindowServer-storage-T-plain.ips" > "$T/tr" 2>&1
check "--trace: the hung thread's backtrace follows" grep -q '^Hung thread 1000 of WindowServer' "$T/tr"
check "--trace: its frames are symbolicated" grep -q 'FixtureStorage`FixtureStorage_middle + 12 at kext.c:6' "$T/tr"

# without a KDK: keys from module offsets, never a rejected report
timeout 120 "$BIN" --no-symbolicate -q --reports-csv "$T/n.csv" -o /dev/null "$FX/hangs"
check "without symbolication every report is still read" test $? -eq 0
echo "# hangs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
