#!/bin/sh
# tests/cli/run.sh BINARY - black-box tests of the command line: accounting of every input,
# hostile file names and file types, outputs that cannot be written, signals. Usage errors,
# --help, --version and whole outputs of small runs are cases in tests/cli/cases (cases.sh).
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

run() { # run EXPECTED_EXIT NAME ARGS...: runs the tool with a time limit
    want=$1 name=$2; shift 2
    timeout 60 "$BIN" "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ]; then ok "$name (exit $got)"; else no "$name: exit $got, wanted $want"; sed 's/^/#   /' "$T/err" | head -5; fi
}
rows() { # data rows of a CSV whose records may span lines: count records by the status column
    grep -cE ',(ok|partial|rejected|skipped),' "$1"
}
# only DIR NAME...: DIR holds exactly these names (sorted; the lock file beside the outputs
# aside), so that any file a run leaves behind (a temporary of any name, hidden or not) fails
only() {
    d=$1; shift
    [ "$(ls -A "$d" | grep -vx '\.kptrace-batch\.lock' | tr '\n' ' ')" = "$* " ]
}

# the samples: a note beside the reports (README-collect.txt) is another kind of file, skipped
# as inside an archive (issue 30, 5), so exit 0; every file gets exactly one row
mkdir "$T/so"
run 0 "samples" -q -o "$T/so/s.md" --csv "$T/so/c.csv" --reports-csv "$T/so/r.csv" --json "$T/so/s.json" "$SRC/samples"
n=$(find "$SRC/samples" -type f | wc -l)
check "samples: one row per file ($n)" test "$(rows "$T/so/r.csv")" -eq "$n"
check "samples: summary header" grep -q '^| files | ok | partial | rejected | clusters |' "$T/so/s.md"
check "samples: the note is counted as skipped, not listed as rejected" sh -c "grep -q '^Skipped: 1 file' '$T/so/s.md' && ! grep -q 'README-collect.txt' '$T/so/s.md'"
check "samples: three-report cluster" grep -q '^| 1 | 3 |' "$T/so/s.md"
check "samples: the four outputs and no other file in their folder" only "$T/so" c.csv r.csv s.json s.md
if command -v python3 >/dev/null; then
    check "samples: JSON parses" python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['reports'])==$n" "$T/so/s.json"
    check "samples: CSV parses" python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1],newline=''))); assert len(r)==$n and all(x['signature_id']=='' or len(x['signature_id'])==16 for x in r)" "$T/so/r.csv"
fi

# hostile inputs: every one is accounted for, nothing hangs
H="$T/hostile"
mkdir -p "$H/sub"
cp "$SRC/tests/data/intel-legacy.panic" "$H/=cmd|' \"calc\"'!A0.panic"
cp "$SRC/tests/data/arm64-abort.txt" "$H/new
line.txt"
cp "$SRC/tests/data/not-a-panic.txt" "$H/sub/junk.txt"
printf '' > "$H/empty.panic"
mkfifo "$H/fifo.panic"
ln -s /nonexistent/target "$H/dangling.panic"
ln -s .. "$H/sub/loop"
printf 'panic(cpu 0 caller 0xffffff8000201000): "a|b `c` <script>x</script>\n## h"@/x.c:1\nBacktrace (CPU 0), Frame : Return Address\n0x1 : 0xffffff8000201000 \nKernel slide:     0x0000000000000000\n' > "$H/inject.panic"
run 1 "hostile directory" -o "$T/h.md" --reports-csv "$T/h.csv" "$H"
check "hostile: one row per entry (8)" test "$(rows "$T/h.csv")" -eq 8
check "hostile: FIFO rejected, not opened" grep -q 'fifo.panic,rejected,.*FIFO' "$T/h.csv"
check "hostile: dangling symlink rejected" grep -q 'dangling.panic,rejected' "$T/h.csv"
check "hostile: symlink loop rejected" grep -q 'loop,rejected,.*symlink loop' "$T/h.csv"
check "hostile: empty file skipped (empty)" grep -q 'empty.panic,skipped,.*empty' "$T/h.csv"
(cd "$H" && timeout 60 "$BIN" -q --reports-csv "$T/f.csv" "=cmd|' \"calc\"'!A0.panic" >/dev/null 2>&1)
check "hostile: formula file name neutralised" grep -q "^\"'=cmd|' \"\"calc\"\"'!A0.panic\",ok" "$T/f.csv"
check "hostile: newline in a file name stays one record" grep -q '^line.txt",ok' "$T/h.csv"
check "hostile: no raw HTML in the summary" sh -c "! grep -q '<script>' '$T/h.md'"
check "hostile: no heading injected" sh -c "! grep -q '^## h' '$T/h.md'"

# paths from standard input
printf '%s\n%s\n' "$SRC/tests/data/intel-legacy.panic" "$SRC/tests/data/ios-zone.ips" | \
    timeout 60 "$BIN" -q --reports-csv "$T/stdin.csv" - >/dev/null 2>&1
check "paths from stdin" test "$(rows "$T/stdin.csv")" -eq 2
# a path list's lines are bytes: a CRLF list works, a name ending in CR is kept when it
# exists, a line with a NUL is a rejected row (not a path cut at the NUL)
mkdir -p "$T/crl" && cp "$SRC/tests/data/intel-legacy.panic" "$T/crl/cr$(printf '\r')" && cp "$SRC/tests/data/intel-legacy.panic" "$T/crl/bad"
printf '%s\r\n%s\r\n%s/bad\000name\n' "$SRC/tests/data/ios-zone.ips" "$T/crl/cr" "$T/crl" | \
    timeout 60 "$BIN" -q --no-symbolicate --reports-csv "$T/stdin2.csv" -o /dev/null - >/dev/null 2>&1
check "paths from stdin: a CRLF list" grep -q 'ios-zone.ips,ok' "$T/stdin2.csv"
check "paths from stdin: a name ending in CR" grep -q "crl/cr$(printf '\r')\",ok" "$T/stdin2.csv"
check "paths from stdin: a NUL in a line is a rejected row, not another path" sh -c "grep -q 'bad?name,rejected,.*a NUL byte in line 3' '$T/stdin2.csv' && ! grep -q 'crl/bad,' '$T/stdin2.csv'"

# two runs on the same outputs commit one whole set after the other: a run waits for the
# lock beside the outputs (held here by python3's fcntl lock) before it renames any of them
if command -v python3 >/dev/null 2>&1; then
    mkdir -p "$T/lk" && echo old > "$T/lk/s.md" && echo old > "$T/lk/c.csv"
    # the holder keeps the lock until told to let go (a file), never for a guessed time: a
    # loaded machine may start either process late
    python3 -c 'import fcntl, os, sys, time
f = open(sys.argv[1], "a"); fcntl.lockf(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close()
for _ in range(1200):
    if os.path.exists(sys.argv[3]): break
    time.sleep(0.05)' \
        "$T/lk/.kptrace-batch.lock" "$T/lk/held" "$T/lk-release" &
    lpid=$!
    for _ in $(seq 300); do [ -e "$T/lk/held" ] && break; sleep 0.1; done
    check "lock: the holder has it" test -e "$T/lk/held"
    timeout 60 "$BIN" -q --no-symbolicate -o "$T/lk/s.md" --csv "$T/lk/c.csv" "$SRC/tests/data/intel-legacy.panic" 2>/dev/null &
    rpid=$!
    sleep 1
    check "lock: while another holds it, the run waits" kill -0 $rpid
    check "lock: while another holds it, no output is replaced" sh -c "[ \"\$(cat '$T/lk/s.md')\" = old ] && [ \"\$(cat '$T/lk/c.csv')\" = old ]"
    touch "$T/lk-release"
    wait $lpid; wait $rpid
    check "lock: once free, the whole set is committed" sh -c "grep -q '^# ' '$T/lk/s.md' && grep -q '^rank,' '$T/lk/c.csv'"
    run 0 "lock: a later run over the outputs' folder (last run's outputs are skipped inputs, other kinds of file)" -q --no-symbolicate -o /dev/null --reports-csv "$T/lk2.csv" "$T/lk" "$SRC/tests/data/intel-legacy.panic"
    check "lock: the lock file beside the outputs is no input of a later run" sh -c "grep -q 'intel-legacy.panic,ok' '$T/lk2.csv' && ! grep -q 'kptrace-batch.lock' '$T/lk2.csv'"
else
    echo "# SKIP the output lock test: no python3 to hold an fcntl lock"
fi

# outputs that cannot be written: exit 3, and an existing summary is never half-replaced
run 3 "output in a missing directory" -q -o "$T/missing/dir/s.md" "$SRC/samples"
echo "previous summary" > "$T/keep.md"
run 3 "one output unwritable" -q -o "$T/keep.md" --csv "$T/missing/c.csv" "$SRC/samples"
check "the previous summary is intact" grep -q '^previous summary$' "$T/keep.md"
if [ -w /dev/full ]; then
    timeout 60 "$BIN" -q -o - "$SRC/samples" >/dev/full 2>"$T/err"
    check "disk full on standard output: exit 3" test $? -eq 3
fi

# signature rules: --rules with the shipped files gives the built-in digest; a changed file
# another; a bad pattern stops the run before any report, naming file:line
run 0 "rules: built-in" -q -o "$T/r0.md" "$SRC/tests/data/intel-legacy.panic"
run 0 "rules: --rules with the shipped files" -q --rules "$SRC/cluster/rules/xnusig-1" -o "$T/r1.md" "$SRC/tests/data/intel-legacy.panic"
check "rules: same digest" test "$(grep -o 'rules [0-9a-f]*' "$T/r0.md")" = "$(grep -o 'rules [0-9a-f]*' "$T/r1.md")"
cp -r "$SRC/cluster/rules/xnusig-1" "$T/rules"
printf 'broken\t3\t-\t([unclosed\n' >> "$T/rules/classes.tsv"
run 3 "rules: a bad pattern stops the run" -q --rules "$T/rules" -o "$T/r2.md" "$SRC/tests/data/intel-legacy.panic"
check "rules: the error names file:line" grep -q 'classes.tsv:[0-9]*: bad pattern' "$T/err"
check "rules: no summary written" test ! -e "$T/r2.md"
# a pattern whose cost has no bound is refused when the rules load, with file:line
cp -r "$SRC/cluster/rules/xnusig-1" "$T/rules-br"
printf 'evil\t3\t-\t(a+)+\\1\n' >> "$T/rules-br/classes.tsv"
run 3 "rules: a backreference is refused at load" -q --rules "$T/rules-br" -o "$T/r4.md" "$SRC/tests/data/intel-legacy.panic"
check "rules: ... saying where" grep -q 'classes.tsv:[0-9]*: pattern with a backreference' "$T/err"
# repeat bounds: past 255 refused, whatever the digits (a bound past 2^64 once read as 0 by
# a cursor that failed); within it, loaded
for b in '{256}' '{1,256}' '{99999999999999999999999}' '{2,99999999999999999999999}'; do
    cp -r "$SRC/cluster/rules/xnusig-1" "$T/rules-rep"
    printf 'rep\t3\t-\tx%s\n' "$b" >> "$T/rules-rep/classes.tsv"
    run 3 "rules: a bound $b is refused at load" -q --rules "$T/rules-rep" -o "$T/r5.md" "$SRC/tests/data/intel-legacy.panic"
    check "rules: ... as repeating more than 255 times" grep -q 'classes.tsv:[0-9]*: pattern repeating more than 255 times' "$T/err"
    rm -rf "$T/rules-rep"
done
for b in '{255}' '{2,}' '{0,3}'; do
    cp -r "$SRC/cluster/rules/xnusig-1" "$T/rules-rep"
    printf 'rep\t3\t-\tzzqx%s\n' "$b" >> "$T/rules-rep/classes.tsv"
    run 0 "rules: a bound $b loads" -q --rules "$T/rules-rep" -o /dev/null "$SRC/tests/data/intel-legacy.panic"
    rm -rf "$T/rules-rep"
done
cp -r "$SRC/cluster/rules/xnusig-1" "$T/rules-nb"
echo '((x{200}){200}){200}' >> "$T/rules-nb/prefix.txt"
run 3 "rules: nested bounds over the budget are refused at load" -q --rules "$T/rules-nb" -o "$T/r5.md" "$SRC/tests/data/intel-legacy.panic"
check "rules: ... saying where" grep -q 'prefix.txt:[0-9]*: pattern over the complexity budget' "$T/err"

# --explain answers for every corpus sample (and for the project's own inputs)
CORPUS=${KPT_CORPUS:-$SRC/../shared/corpus}
if [ -d "$CORPUS" ]; then set -- "$CORPUS"/*/*; else echo "# SKIP --explain on the corpus: $CORPUS is not there"; set --; fi
# (one --explain of them all: each under its "==> PATH <==" line, in the order given)
set -- "$@" "$SRC"/tests/data/*.panic "$SRC"/tests/data/ios-zone.ips
timeout 120 "$BIN" --explain --no-symbolicate "$@" >"$T/ex.out" 2>"$T/ex.err"; rc=$?
bad=$(for f in "$@"; do printf '%s\n' "$f"; done | awk -v out="$T/ex.out" '
    BEGIN { while ((getline l < out) > 0) {
                if (l ~ /^==> .* <==$/) { cur = substr(l, 5, length(l) - 8); order[++n] = cur }
                else if (l ~ /^primary  [0-9a-f]+  / && length(l) > 27 && substr(l, 10, 16) ~ /^[0-9a-f]+$/) p[cur] = 1
                else if (l ~ /^class    /) c[cur] = 1 } }
    { k++; if (order[k] != $0 || !p[$0] || !c[$0]) { print "# --explain failed on " $0; bad++ } }
    END { if (k != n) { print "# --explain: " n " sections for " k " reports"; bad++ }; print bad + 0 }')
printf '%s\n' "$bad" | sed '$d'
bad=$(printf '%s\n' "$bad" | tail -n 1)
check "--explain answers for all $# reports, in order, each under its path (exit $rc)" test "$bad" -eq 0 -a "$rc" -eq 0 -a ! -s "$T/ex.err"

# triage: baseline, filters, build comparison, plot
run 0 "baseline: the earlier run" -q -o "$T/b0.md" --csv "$T/base.csv" "$SRC/samples/fleet-a" "$SRC/samples/fleet-b"
run 0 "baseline: a later run" -q -o "$T/b1.md" --csv "$T/b1.csv" --baseline "$T/base.csv" "$SRC/samples"
check "baseline: new clusters lead the summary" sh -c "grep -n '^## New clusters' '$T/b1.md' | grep -q . && [ \$(grep -n '^## New clusters' '$T/b1.md' | cut -d: -f1) -lt \$(grep -n '^## Clusters by count' '$T/b1.md' | cut -d: -f1) ]"
check "baseline: the assertion is NEW" sh -c "sed -n '/^## New clusters/,/^## Gone/p' '$T/b1.md' | grep -q 'assert'"
check "baseline: unchanged clusters are SAME" grep -q '| SAME |' "$T/b1.md"
check "baseline: the clusters CSV says NEW" grep -q ',NEW,' "$T/b1.csv"
run 0 "baseline: a run with less" -q -o "$T/b2.md" --baseline "$T/b1.csv" "$SRC/samples/fleet-a"
check "baseline: vanished clusters are GONE" sh -c "sed -n '/^## Gone clusters/,/^## /p' '$T/b2.md' | grep -q 'watchdog'"
sed 's/xnusig\/1-draft[0-9]*/xnusig\/9/' "$T/base.csv" > "$T/base9.csv"
run 3 "baseline: another algorithm is refused" -q -o "$T/b3.md" --baseline "$T/base9.csv" "$SRC/samples"
run 0 "--since" -q -o "$T/f1.md" --reports-csv "$T/f1.csv" --since 2025-01-01 "$SRC/samples"
check "--since: older reports left out and said so" grep -q 'Left out by --since, --until or --build: 4' "$T/f1.md"
check "--since: they still have their row" grep -q 'left out by --since' "$T/f1.csv"
check "--since: the clusters are the newer ones" sh -c "grep -q 'x86_trap' '$T/f1.md' && ! grep -q 'watchdog\\\\\[' '$T/f1.md'"
run 0 "--build" -q -o "$T/f2.md" --build 23G93 "$SRC/samples"
check "--build: only that build clusters" sh -c "grep -q '^| 1 | 2 |' '$T/f2.md' && ! grep -q '^| 2 |' '$T/f2.md'"
run 0 "--compare-builds" -q -o "$T/f3.md" --compare-builds 21H1320 23G93 "$SRC/samples"
check "--compare-builds: only-in sections" sh -c "grep -q '^## Only in build 23G93 (not in 21H1320)' '$T/f3.md' && sed -n '/^## Only in build 23G93/,/^## /p' '$T/f3.md' | grep -q watchdog"
run 1 "--plot" -q -o "$T/p.md" --plot "$T/top.svg" "$SRC/samples" "$H"
check "--plot: an SVG, linked" sh -c "grep -q '^<svg ' '$T/top.svg' && grep -q 'top clusters' '$T/p.md'"
check "--plot: report text escaped in the SVG" sh -c "! grep -q '<script' '$T/top.svg'"
run 0 "--frames 1" -q -o "$T/fr.md" --frames 1 "$SRC/samples"
check "--frames 1: shorter signatures, said in the header" sh -c "grep -q 'keep 1 significant frames' '$T/fr.md' && grep -q '^| 1 | 3 | .* \\\\~lowsym \\\\| kernel | x86' '$T/fr.md'"
if command -v python3 >/dev/null; then
    check "JSON: clusters list their members" python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert sorted(i for c in d['clusters'] for i in c['members']) == [i for i, r in enumerate(d['reports']) if r['status'] not in ('rejected', 'skipped')]" "$T/so/s.json"
fi

# a path under which no file can be made, whoever runs (/dev/null is not a directory)
run 3 "output where no file can be made" -q -o /dev/null/kptrace-summary.md "$SRC/samples"
# a disk that fills while a file output is written: nothing is half-written or replaced
if [ -w /dev/full ]; then
    mkdir "$T/full" && echo "previous" > "$T/full/keep2.md"
    run 3 "a full disk under one output" -q -o "$T/full/keep2.md" --csv /dev/full "$SRC/samples"
    check "the other output was not replaced" grep -q '^previous$' "$T/full/keep2.md"
    check "no temporary file left behind: its folder holds keep2.md only" only "$T/full" keep2.md
fi

# outputs that are devices or FIFOs are written in place, never replaced
run 0 "-o /dev/null" -q -o /dev/null --csv /dev/null "$SRC/samples"
check "/dev/null is still a character device" test -c /dev/null
mkfifo "$T/out.fifo"
(cat "$T/out.fifo" > "$T/from-fifo.md" &)
run 0 "-o FIFO" -q -o "$T/out.fifo" "$SRC/samples"
# (the reader is not a child of this shell: its file is watched until the header is there)
for _ in $(seq 100); do grep -q '^# kptrace-batch summary' "$T/from-fifo.md" 2>/dev/null && break; sleep 0.1; done
check "the summary came through the FIFO, which stays a FIFO" sh -c "test -p '$T/out.fifo' && grep -q '^# kptrace-batch summary' '$T/from-fifo.md'"
# a summary written inside the folder being read is not taken for an input
mkdir -p "$T/inside" && cp "$SRC/tests/data/intel-legacy.panic" "$T/inside/"
run 0 "summary written inside the input folder" -q -o "$T/inside/summary.md" --reports-csv "$T/inside/r.csv" "$T/inside"
check "only the report was read" test "$(rows "$T/inside/r.csv")" -eq 1
run 0 "the next run: last night's outputs in the folder are not inputs" -q -o "$T/inside/summary.md" --reports-csv "$T/inside/r.csv" "$T/inside"
check "the next run: still only the report was read" test "$(rows "$T/inside/r.csv")" -eq 1

# names learned across the fleet: the machines booted with keepsyms name the kext's frames,
# the others print addresses only; one bug stays one cluster (kext UUID and offset decide)
mkdir -p "$T/learn"
netguard() { # netguard SLIDE KEXT_LOW KEEPSYMS (addresses 0xffffff80..., kexts 0xffffff7f...)
    kb=$((0x00200000 + $1)); ka=$2
    f() { if [ "$3" = 1 ]; then printf '0xffffff83b1b3b%03x : %s %s\n' "$1" "$2" "$4"; else printf '0xffffff83b1b3b%03x : %s\n' "$1" "$2"; fi; }
    k() { printf '0xffffff80%08x' $((kb + $1)); }
    x() { printf '0xffffff7f%08x' $((ka + $1)); }
    echo 'panic(cpu 2 caller 0xffffff8000a8e4c2): "netguard: bad packet"@/src/netguard.c:77'
    echo 'Backtrace (CPU 2), Frame : Return Address'
    f 0 "$(k 0x8e4c2)" "$3" 'mach_kernel : _panic + 0x84'
    f 64 "$(x 0x1c21b)" "$3" 'com.example.NetGuard : __ZN14NetGuardFilter7inspectEP6mbuf_t + 0x4b'
    f 128 "$(x 0x1b0f0)" "$3" 'com.example.NetGuard : __ZN14NetGuardFilter5inputEP6mbuf_t + 0x30'
    f 192 "$(x 0x1a010)" "$3" 'com.example.NetGuard : _netguard_dispatch + 0x10'
    f 256 "$(k 0x9013e)" "$3" 'mach_kernel : _call_continuation + 0x2e'
    echo '      Kernel Extensions in backtrace:'
    printf '         com.example.NetGuard(4.2)[7A6B5C4D-3E2F-4A1B-9C8D-0E1F2A3B4C5D]@%s->%s\n' "$(x 0)" "$(x 0x3ffff)"
    printf '\nMac OS version:\n21G83\n\nKernel version:\nDarwin Kernel Version 21.6.0: Wed Aug 10 14:25:27 PDT 2022; root:xnu-8020.141.5~2/RELEASE_X86_64\n'
    printf 'Kernel UUID: D0DC2052-71F4-3DCB-B189-BEE5A59B3B42\nKernel slide:     0x00000000%08x\nKernel text base: 0xffffff80%08x\n' "$1" "$kb"
}
netguard 0x01c00000 0x83bfc000 1 > "$T/learn/keepsyms-1.panic"
netguard 0x2e800000 0x90a31000 1 > "$T/learn/keepsyms-2.panic"
netguard 0x0a600000 0x81000000 0 > "$T/learn/plain-1.panic"
netguard 0x11200000 0x85e00000 0 > "$T/learn/plain-2.panic"
run 0 "learned names: a run" -q --no-cache --kdk-root "$T/no-kdks" -o "$T/learn.md" --csv "$T/learn.csv" --json "$T/learn.json" "$T/learn"
check "learned names: one bug, one cluster" test "$(grep -c '^[0-9]' "$T/learn.csv")" = 1
check "learned names: the Markdown marks them" grep -q '≈' "$T/learn.md"
check "learned names: the JSON says where names came from" sh -c "grep -q '\"name_source\":\"learned\"' '$T/learn.json' && grep -q '\"name_source\":\"report\"' '$T/learn.json'"
check "learned names: counted in the summary" grep -q '10 frames named from what other reports' "$T/learn.md"
run 0 "learned names: --no-symbolicate learns nothing" -q --no-symbolicate -o "$T/learn0.md" --csv "$T/learn0.csv" "$T/learn"
check "learned names: without learning the bug splits" test "$(grep -c '^[0-9]' "$T/learn0.csv")" = 2

# progress: a bar on a terminal (script(1) gives the run one), with diagnostics on lines of
# their own; nothing of it when stderr is not a terminal
if command -v script >/dev/null 2>&1; then
    on_tty "$T/tty.log" "'$BIN' -o /dev/null --no-cache --kdk-root '$T/no-kdks' '$SRC/samples' '$SRC/tests/data'" >/dev/null 2>&1
    check "progress: a bar with the percentage and files/s on a terminal" sh -c "tr '\r' '\n' < '$T/tty.log' | grep -q 'signing \[.*%.*files/s'"
    check "progress: each diagnostic starts its own line" sh -c "! tr '\r' '\n' < '$T/tty.log' | grep 'kptrace-batch: .*kptrace-batch: '"
else
    echo "# SKIP progress on a terminal: script(1) is not installed"
fi
"$BIN" -o /dev/null --no-cache --kdk-root "$T/no-kdks" "$SRC/samples" 2>"$T/notty.err"
rc=$?
check "progress: none when stderr is not a terminal (the run read the samples, exit $rc)" sh -c "[ $rc = 0 ] && grep -q 'inputs: ' '$T/notty.err' && ! grep -q \"\$(printf '\r')\" '$T/notty.err'"

# --compare-rules: the same fleet under a rule set that keys traps on nothing: the GP fault
# and page fault clusters of one kext merge; the other way round they split
mkdir -p "$T/cmp/in" && cp -r "$SRC/cluster/rules/xnusig-1" "$T/cmp/rules"
tab=$(printf '\t')
sed "s/^x86_trap${tab}3${tab}trap=\\\\1${tab}/x86_trap${tab}3${tab}trap=any${tab}/" "$SRC/cluster/rules/xnusig-1/classes.tsv" > "$T/cmp/rules/classes.tsv"
cp "$SRC/samples/fleet-a/host-017/Kernel-2025-03-04-021109.panic" "$T/cmp/in/gp.panic"
sed 's/type 13=general protection/type 14=page fault/' "$T/cmp/in/gp.panic" > "$T/cmp/in/pf.panic"
run 0 "--compare-rules" -q --no-symbolicate --compare-rules "$T/cmp/rules" -o "$T/cmp.md" "$T/cmp/in"
check "--compare-rules: two clusters here, one with those rules" grep -q '2 clusters here, 1 with those rules' "$T/cmp.md"
check "--compare-rules: both reports merged, with an example" sh -c "grep -c '^| merged | 1 |.*gp.panic\|^| merged | 1 |.*pf.panic' '$T/cmp.md' | grep -q 2"
run 0 "--compare-rules, the other way" -q --no-symbolicate --rules "$T/cmp/rules" --compare-rules "$SRC/cluster/rules/xnusig-1" -o "$T/cmp2.md" "$T/cmp/in"
check "--compare-rules: the other way, split" grep -q '^| split | 1 |' "$T/cmp2.md"
run 3 "--compare-rules: a bad rule set stops the run" -q --no-symbolicate --compare-rules "$T/no-such-rules" -o "$T/cmp3.md" "$T/cmp/in"

# a date that exists (those that do not are cases)
run 0 "--until 2024-02-29 is one" -q -o /dev/null --until 2024-02-29 "$SRC/samples"
# a reader that goes away: exit 3, and no output or temporary left behind
rm -rf "$T/pipe" && mkdir "$T/pipe"
(sleep 0.5; "$BIN" --no-symbolicate --csv "$T/pipe/c.csv" "$SRC/samples" "$SRC/tests/data" 2>/dev/null) | true
set -- $(cd "$T/pipe" && ls -A)
check "a closed pipe on stdout: no output, no temporary file left" test $# = 0
(sleep 0.5; "$BIN" --no-symbolicate "$SRC/samples" "$SRC/tests/data" 2>/dev/null; echo $? > "$T/pipe.rc") | true
check "a closed pipe on stdout: exit 3" test "$(cat "$T/pipe.rc")" = 3
# outputs follow the umask (mkstemp's 0600 is not kept)
(umask 022 && "$BIN" -q --no-symbolicate -o "$T/mode.md" "$SRC/tests/data/intel-legacy.panic")
check "outputs follow the umask (0644 under 022)" sh -c "ls -l '$T/mode.md' | grep -q '^-rw-r--r--'"

# an interrupted run leaves no output and no temporary file: the run waits on its path list
# (standard input) with every output open, and is signalled there
# (SIGKILL cannot be caught: only unnamed temporaries, Linux's O_TMPFILE, leave nothing)
sigs="TERM INT HUP"
[ "$(uname -s)" = Linux ] && sigs="$sigs KILL"
for sig in $sigs; do
    rm -rf "$T/int" && mkdir "$T/int"
    # (a background job starts with SIGINT ignored, and a run under nohup with SIGHUP
    # ignored, which the tool leaves ignored: perl gives both the default back, as an
    # interactive shell would)
    # (the sleep's own pid is kept, to end it, and only it, once the run is gone)
    (sleep 6 & echo $! > "$T/sleep.pid"; wait; echo "$SRC/tests/data/intel-legacy.panic") |
        perl -e '$SIG{INT} = $SIG{HUP} = "DEFAULT"; exec @ARGV' "$BIN" -q -o "$T/int/s.md" \
        --csv "$T/int/c.csv" --json "$T/int/s.json" - 2>/dev/null &
    pid=$!
    # the temporaries: named beside their outputs, or (Linux, O_TMPFILE) unnamed files open
    # in that folder, seen through /proc
    temps() {
        if [ -d /proc/$pid/fd ]; then # portable: /proc only on Linux; elsewhere the named temporaries are counted
            n=$(for fd in /proc/$pid/fd/*; do readlink "$fd"; done 2>/dev/null | grep -c "^$T/int/") # portable: readlink without flags, and only where /proc is (Linux)
            [ "$n" -gt 0 ] && { echo "$n"; return; }
        fi
        ls "$T/int" | wc -l | tr -d ' '
    }
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ "$(temps)" -gt 0 ] && break; sleep 0.2; done
    seen=$(temps)
    kill -$sig $pid 2>/dev/null
    # the sleep holds the pipeline open: 'wait' returns only once it ends, so it is ended
    # here (the run's exit status is the pipeline's all the same), not 6 s later
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/sleep.pid" ] && break; sleep 0.2; done
    [ -s "$T/sleep.pid" ] && kill "$(cat "$T/sleep.pid")" 2>/dev/null
    wait $pid 2>/dev/null
    rc=$?
    left=$(ls -A "$T/int")
    if [ "$seen" = 3 ] && [ -z "$left" ] && [ $rc -gt 128 ]; then ok "SIG$sig: no output, no temporary file left (exit $rc)"
    else no "SIG$sig: $seen temporaries seen, left: '$left', exit $rc"; fi
    rm -f "$T/sleep.pid"
done
# a signal the caller ignores (nohup) stays ignored: the run finishes
rm -rf "$T/int" && mkdir "$T/int"
(sleep 1; echo "$SRC/tests/data/intel-legacy.panic") |
    perl -e '$SIG{HUP} = "IGNORE"; exec @ARGV' "$BIN" -q -o "$T/int/s.md" - 2>/dev/null &
pid=$!
sleep 0.3
kill -HUP $pid 2>/dev/null
wait $pid 2>/dev/null
rc=$?
[ $rc = 0 ] && [ -s "$T/int/s.md" ] && ok "an ignored SIGHUP (nohup) stays ignored: the run finishes" || no "nohup: exit $rc"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
