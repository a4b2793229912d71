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
# bcubed TSV KEYCOL: BCubed precision and recall of the hang keys (column KEYCOL) against
# the causes (column 3), over the rows with a site (column 4 is 1)
bcubed() {
    awk -F'\t' -v kcol="$2" '$4 == 1 { key[NR] = $kcol; lab[NR] = $3; n++ }
        END {
            for (i in key) { kc[key[i]]++; lc[lab[i]]++; both[key[i] SUBSEP lab[i]]++ }
            for (i in key) { p += both[key[i] SUBSEP lab[i]] / kc[key[i]]; r += both[key[i] SUBSEP lab[i]] / lc[lab[i]] }
            p /= n; r /= n; f = 2 * p * r / (p + r)
            for (k in kc) nk++
            printf "%d reports, %d hang keys, P=%.4f R=%.4f F=%.4f\n", n, nk, p, r, f
        }' "$1"
}
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
bcubed "$T/joined.tsv" 7 > "$T/bcubed"
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
# ---- Intel Macs: processed stackshots in text (tests/fixtures/hangs_intel.sh) ----
timeout 300 "$BIN" $SYM -q --reports-csv "$T/x.csv" --json "$T/x.json" -o "$T/x.md" "$FX/hangs-intel" 2>"$T/xerr"
check "the Intel hang fleet runs (exit 0)" test $? -eq 0
awk -F, 'NR > 1 { sub(/\r$/, ""); n = split($1, p, "/"); print p[n] "\t" $2 "\t" $8 "\t" $(NF-1) "\t" $NF }' "$T/x.csv" | sort > "$T/xkeys.tsv"
sort "$FX/hangs-intel.tsv" > "$T/xlabels.tsv"
join -t "$(printf '\t')" "$T/xlabels.tsv" "$T/xkeys.tsv" > "$T/xj.tsv"
# columns: file service cause keyed expect status signature_id hang_id hang
check "the Intel fleet is labelled (over 80 reports)" test "$(wc -l < "$T/xlabels.tsv")" -gt 80
check "every Intel report has a row" test "$(wc -l < "$T/xj.tsv")" -eq "$(wc -l < "$T/xlabels.tsv")"
check "no Intel report is rejected" sh -c "awk -F'\t' '\$6 == \"rejected\"' '$T/xj.tsv' | grep -q . && exit 1 || exit 0"
check "every whole processed stackshot gives a hang key" sh -c "awk -F'\t' '\$4 == 1 && \$8 == \"\"' '$T/xj.tsv' | grep -q . && exit 1 || exit 0"
check "no hang key from a damaged body" sh -c "awk -F'\t' '\$4 == 0 && \$8 != \"\"' '$T/xj.tsv' | grep -q . && exit 1 || exit 0"
check "each damaged body says why (cut, placeholder, kcdata, empty)" \
    sh -c "awk -F'\t' '\$4 == 0 && index(\$9, \$5) == 0' '$T/xj.tsv' | grep -q . && exit 1 || exit 0"
check "each Intel site names its root cause's function" \
    sh -c "awk -F'\t' '\$4 == 1 && index(\$9, \$5) == 0' '$T/xj.tsv' | grep -q . && exit 1 || exit 0"
bcubed "$T/xj.tsv" 8 > "$T/xbcubed"
check "Intel hang keys group exactly by root cause: $(cat "$T/xbcubed")" grep -q 'P=1.0000 R=1.0000 F=1.0000' "$T/xbcubed"
check "one Intel site behind two services has one hang key" \
    sh -c "test \$(awk -F'\t' '\$3 == \"running\" && \$4 == 1 { print \$8 }' '$T/xj.tsv' | sort -u | wc -l) -eq 1"
check "each Intel service stays one primary cluster" sh -c "test \$(cut -f2,7 '$T/xj.tsv' | sort -u | wc -l) -eq 2"
timeout 120 "$BIN" $SYM --explain "$FX/hangs-intel/$(awk -F'\t' '$1 ~ /mutex/ { print $1; exit }' "$FX/hangs-intel.tsv")" > "$T/xmx" 2>&1
check "--explain: the chain through a mutex owner" grep -q 'owned by kernel_task \[0\] thread 0x65: owner is thread 101 of kernel_task' "$T/xmx"
timeout 120 "$BIN" $SYM --explain "$FX/hangs-intel/$(awk -F'\t' '$3 == "owner" && $1 ~ /chain2/ { print $1; exit }' "$FX/hangs-intel.tsv")" > "$T/xex" 2>&1
check "--explain: the Intel two-hop chain" sh -c "grep -q 'owner is thread 2304 of mds' '$T/xex' && grep -q 'owner is thread 101 of kernel_task' '$T/xex'"
timeout 120 "$BIN" --no-symbolicate -q --reports-csv "$T/xn.csv" -o /dev/null "$FX/hangs-intel"
check "Intel fleet without symbolication: read, keyed where whole" \
    sh -c "test \$(awk -F, 'NR > 1 && \$(NF-1) != \"\"' '$T/xn.csv' | wc -l) -eq \$(awk -F'\t' '\$4 == 1' '$FX/hangs-intel.tsv' | wc -l)"

# the real Intel report (../shared/corpus, read in place): its NMIPI panic names no starved
# party; as a watchdog naming hidd or WindowServer both end on WindowServer's 0x3c2, one key
CORPUS=${KPT_CORPUS:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/corpus}
REAL=$CORPUS/j_intel_stackshot/zormeister_10.15.7_19H2026_hackintosh_NMIPI_wake_json_wrapped.panic
if [ -f "$REAL" ]; then
    for s in hidd WindowServer; do
        awk -v s="$s" 'NR == 2 { k = "panic(cpu 3 caller 0xffffff801c051957): "; i = index($0, k); j = index(substr($0, i), "\\n")
              $0 = substr($0, 1, i - 1) k "userspace watchdog timeout: no successful checkins from " s " in 120 seconds" substr($0, i + j - 1) } { print }' \
            "$REAL" > "$T/real-$s.panic"
    done
    timeout 120 "$BIN" --no-symbolicate -q --reports-csv "$T/real.csv" -o /dev/null "$REAL" "$T/real-hidd.panic" "$T/real-WindowServer.panic"
    awk -F, 'NR > 1 { sub(/\r$/, ""); print $(NF-1) "\t" $NF }' "$T/real.csv" > "$T/real.tsv"
    check "corpus: the NMIPI report as it is has no hang" sh -c "sed -n 1p '$T/real.tsv' | grep -q '^	\$'"
    check "corpus: hidd's and WindowServer's watchdogs share one hang key" \
        sh -c "test \$(sed -n '2,3p' '$T/real.tsv' | cut -f1 | sort -u | grep -c .) -eq 1"
    check "corpus: the site is in the graphics kext's frames" sh -c "sed -n 2p '$T/real.tsv' | grep -q '	537A3EEB-26E1-38B0-8E76-9CFE68C89771+0x'"
    "$BIN" --no-symbolicate --explain "$T/real-hidd.panic" > "$T/realex" 2>&1
    check "corpus: the walk ends on WindowServer's thread 0x3c2 (962)" grep -q 'chosen: thread 962 of WindowServer' "$T/realex"
else
    echo "# SKIP the real Intel stackshot: $REAL is not there"
fi
echo "# hangs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
