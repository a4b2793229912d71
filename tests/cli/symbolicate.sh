#!/bin/sh
# tests/cli/symbolicate.sh BINARY FIXTURES - symbolication end to end: real lldb against the
# fixture kernels, kexts and dSYMs (both architectures, every format), the persistent cache,
# lldb failures (fake lldbs), and command injection through report text.
set -u
BIN=$1 FX=$2
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $FX in /*) ;; *) FX=$(pwd)/$FX ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SYM="--kdk-root $FX/kdks --kext $FX/kexts"

# every fixture report, every format, both architectures: the exact kptrace lines
for r in "$FX"/reports/*; do
    n=$(basename "$r"); n=${n%%.*}
    timeout 120 "$BIN" --trace $SYM --no-cache "$r" >"$T/$n.out" 2>"$T/$n.err"
    if diff -u "$FX/expect/$n.trace" "$T/$n.out" >"$T/$n.diff"; then ok "trace $n"; else no "trace $n"; sed 's/^/#   /' "$T/$n.diff" "$T/$n.err" | head -20; fi
done

# a report left out by a filter keeps its row as any other: its kernel is still matched
timeout 120 "$BIN" -q $SYM --no-cache --build 22G120 --json "$T/out.json" -o /dev/null "$FX/reports/intel-legacy.panic" 2>/dev/null
check "a report left out by --build still says its KDK" grep -q '"kdk_match":"uuid"' "$T/out.json"

# the catalogue cache: a second run reads no KDK file; a changed kext is read again (and no
# longer matches), a removed kernel is gone
cp -r "$FX/kdks" "$T/kroot"
files_read() { tr ',' '\n' < "$1" | sed -n 's/.*"kdk_files_read":\([0-9]*\).*/\1/p' | head -1; }
kc_run() { timeout 120 "$BIN" -q --kdk-root "$T/kroot" --kext "$FX/kexts" --cache "$T/kc" --json "$T/$1.json" \
    --reports-csv "$T/$1.csv" -o /dev/null "$FX/reports/arm64-dialog.txt" 2>/dev/null; }
kc_run kc1; kc_run kc2
check "catalogue cache: the first run reads KDK files ($(files_read "$T/kc1.json"))" test "$(files_read "$T/kc1.json")" -gt 0
check "catalogue cache: a second run reads none" test "$(files_read "$T/kc2.json")" -eq 0
check "catalogue cache: ... and symbolicates the same" sh -c "cut -d, -f1-11 '$T/kc1.csv' > '$T/a'; cut -d, -f1-11 '$T/kc2.csv' > '$T/b'; cmp -s '$T/a' '$T/b'"
K=$T/kroot/KDK_13.5_22G74.kdk/System/Library/Extensions/FixtureStorage.kext/Contents/MacOS/FixtureStorage
cp "$FX/kexts/FooNIC.kext/Contents/MacOS/FooNIC" "$K"
kc_run kc3
check "catalogue cache: a replaced kext is read again" test "$(files_read "$T/kc3.json")" -gt 0
check "catalogue cache: ... and its frames no longer take its old names" sh -c "! grep -q 'FixtureStorage!FixtureStorage_middle' '$T/kc3.csv' && grep -q 'FixtureStorage!FixtureStorage_middle' '$T/kc2.csv'"
rm "$T/kroot/KDK_13.5_22G74.kdk/System/Library/Kernels/kernel.release.t6000"
kc_run kc4
check "catalogue cache: a removed kernel is not used" grep -q 'kernel+0x' "$T/kc4.csv"
printf 'kptrace-batch catalogue v1\nM\tgarbage\nP\t%s\t1\t2\t3\n\001\002\n' "$K" > "$T/kc/catalogue.v1"
kc_run kc5
check "catalogue cache: a damaged file is read around" test $? -eq 0

# invoked as kptrace, with kptrace's flags
ln -s "$BIN" "$T/kptrace"
timeout 120 "$T/kptrace" -report "$FX/reports/intel-legacy.panic" -kdk "$FX/kdks/KDK_13.5_22G74.kdk" \
    -kext "$FX/kexts" >"$T/kptrace.out" 2>&1
check "kptrace flags (-report -kdk -kext)" diff "$FX/expect/intel-legacy.trace" "$T/kptrace.out"

# a batch: MODULE!FUNCTION in the reports CSV, cold cache then warm cache
timeout 300 "$BIN" -q -v $SYM --cache "$T/cache" -o "$T/s.md" --reports-csv "$T/r.csv" \
    "$FX/reports" "$SRC/samples" 2>"$T/cold.err"
check "batch: kernel frame named in the CSV" grep -q 'kernel!handle_debugger_trap | kernel!ends_in_panic' "$T/r.csv"
check "batch: kext frame named in the CSV" grep -q 'com.example.driver.FooNIC!FooNIC_top' "$T/r.csv"
check "batch: Markdown shows module\`function + hex offset at file:line" grep -q 'kernel\\`sched_work + 0x10 at kern.c:8' "$T/s.md"
check "batch: reports without a KDK are counted by build" grep -q 'had no KDK: .*21H1320 ×3' "$T/s.md"
check "batch: the UUID mismatch is named" grep -q 'kernel UUID differs' "$T/s.md"
check "batch: kext frames without a binary are counted" grep -q 'kext frames without a binary (add it with --kext): com.example.driver.FooNIC ×' "$T/s.md"
check "cold run: lookups went to lldb" grep -q ' [1-9][0-9]* sent to lldb' "$T/cold.err"
check "cold run: one lldb per kernel used (3)" grep -q " 3 lldb processes started" "$T/cold.err"
timeout 300 "$BIN" -q -v $SYM --cache "$T/cache" -o "$T/s2.md" --reports-csv "$T/r2.csv" \
    "$FX/reports" "$SRC/samples" 2>"$T/warm.err"
check "warm run: no lookup sent to lldb" grep -q ' 0 sent to lldb (0 failed), 0 lldb processes started' "$T/warm.err"
check "warm run: same frames" cmp "$T/r.csv" "$T/r2.csv"
# signatures on symbolicated frames: the same bug in four formats and on another build,
# kernel and slide keeps one key; without kernel symbols it meets them on the coarse key
sig() { grep -F "/reports/$1" "$T/r.csv" | awk -F, '{ print $8 }'; }
coarse() { grep -F "/reports/$1" "$T/r.csv" | awk -F, '{ print $(NF-4) }'; } # coarse_id,fine_id,panic_source,hang_id,hang
k=$(sig intel-legacy.panic)
check "one key for 4 formats and another build" sh -c "[ -n '$k' ] && [ '$(sig intel-wrapped.panic)' = '$k' ] && [ '$(sig intel-plist.plist)' = '$k' ] && [ '$(sig intel-crlf.txt.gz)' = '$k' ] && [ '$(sig intel-other.panic)' = '$k' ]"
check "unsymbolicated kernel: another primary key, the same coarse key" sh -c "[ '$(sig intel-mismatch.panic)' != '$k' ] && [ -n '$(coarse intel-legacy.panic)' ] && [ '$(coarse intel-mismatch.panic)' = '$(coarse intel-legacy.panic)' ]"
timeout 300 "$BIN" -q $SYM --no-symbolicate --reports-csv "$T/r3.csv" "$FX/reports" >/dev/null 2>&1
check "--no-symbolicate leaves MODULE+0xOFFSET" sh -c "grep -q 'kernel+0x' '$T/r3.csv' && ! grep -q 'kernel!' '$T/r3.csv'"

# lldb that crashes, hangs, answers garbage, never answers, or is missing: the run finishes,
# frames stay MODULE+0xOFFSET, the summary says which KDK failed and why
for m in crash hang garbage mute noload; do
    ln -s "$SRC/tests/cli/fake-lldb" "$T/fake-lldb-$m"
    timeout 120 "$BIN" -q $SYM --no-cache --lldb "$T/fake-lldb-$m" --lldb-timeout 300 -o "$T/$m.md" \
        --reports-csv "$T/$m.csv" "$FX/reports/intel-legacy.panic" 2>"$T/$m.err"
    rc=$?
    check "fake lldb $m: run finishes (exit 0)" test "$rc" -eq 0
    check "fake lldb $m: frames stay MODULE+0xOFFSET" grep -q 'kernel+0x' "$T/$m.csv"
    [ "$m" = garbage ] || check "fake lldb $m: the summary names the failed KDK" grep -q 'KDK failures: .*KDK_13.5_22G74.kdk' "$T/$m.md"
    check "fake lldb $m: no child left" sh -c "! pgrep -f '$T/[f]ake-lldb-$m' >/dev/null"
done
# a run signalled while lldb works takes its children with it (they live in process groups
# of their own, which the default signal action would leave behind)
tag=$(printf %s "$T" | cksum | cut -d' ' -f1) # the fake lldb's sleeps in $T (tests/cli/fake-lldb)
sleepers() { pgrep -f "^sleep 600\\.$tag\$" | wc -l; }
before=$(sleepers)
mkdir -p "$T/sigtmp"
TMPDIR=$T/sigtmp "$BIN" -q $SYM --no-cache --lldb "$T/fake-lldb-mute" --lldb-timeout 100000 -o "$T/sig.md" "$FX/reports/intel-legacy.panic" 2>/dev/null &
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ "$(sleepers)" -gt "$before" ] && break; sleep 0.2; done
wd=$(ls -A "$T/sigtmp" | wc -l)
kill -TERM $pid; wait $pid 2>/dev/null
sleep 0.3
check "SIGTERM while lldb works: no lldb child left behind" test "$(sleepers)" -le "$before"
check "SIGTERM while lldb works: no output, no temporary file" sh -c "! ls '$T'/sig.md* 2>/dev/null | grep -q ."
check "SIGTERM while lldb works: lldb's private directory (in \$TMPDIR) is gone" sh -c "[ $wd = 1 ] && ! ls -A '$T/sigtmp' | grep -q ."
check "a target that does not load is a failure, not 'nothing there'" grep -q 'could not load the target: error: unable to load the fake' "$T/noload.md"
(cd "$FX/.." && timeout 120 "$BIN" --trace --no-cache --kdk-root "$(basename "$FX")/kdks" --kext "$(basename "$FX")/kexts" "$FX/reports/intel-legacy.panic" >"$T/rel.out" 2>&1)
check "relative KDK paths work (lldb runs in a private directory)" diff "$FX/expect/intel-legacy.trace" "$T/rel.out"
# a relative --lldb and --cache mean what they say where the tool was started
mkdir -p "$T/relbin" && ln -s "$(command -v lldb-16 || command -v lldb)" "$T/relbin/lldb"
(cd "$T" && timeout 120 "$BIN" --trace --lldb relbin/lldb --cache relcache $SYM "$FX/reports/intel-legacy.panic" >"$T/rel2.out" 2>&1)
check "a relative --lldb works" diff "$FX/expect/intel-legacy.trace" "$T/rel2.out"
check "a relative --cache keeps lldb's index there" test -d "$T/relcache/lldb"
timeout 60 "$BIN" -q $SYM --no-cache --lldb "$T/no-such-lldb" -o "$T/none.md" "$FX/reports/intel-legacy.panic" 2>/dev/null
check "missing lldb: the summary says so" grep -q 'no lldb found' "$T/none.md"

# injection: report text full of lldb syntax never reaches lldb
mkdir -p "$T/evil"
sed -e 's/com.example.driver.FooNIC(1.2.3)/com.evil`platform shell touch PWNED`\\";script import os;os.system(\\"touch PWNED\\")(1.0"x)/' \
    -e 's/fixture panic: storage queue stalled/platform shell touch PWNED\nscript import os\n`touch PWNED`/' \
    "$FX/reports/intel-legacy.panic" >"$T/evil/evil.panic"
printf 'panic(cpu 0 caller 0xffffff8000200330): "x"\nBacktrace (CPU 0), Frame : Return Address\n0x1 : 0xffffff8001e00330 \n      Kernel Extensions in backtrace:\n         platform shell touch PWNED(1)[]@0xffffff7f80000000->0xffffff7f8000ffff\n         `touch PWNED`\\n(1)[]@0xffffff7f80010000->0xffffff7f8001ffff\nMac OS version:\n22G74\nKernel version:\nDarwin Kernel Version 22.6.0: x; root:xnu-8796.141.3~6/RELEASE_X86_64\nKernel slide:     0x0000000001c00000\n' >"$T/evil/evil2.panic"
(cd "$T" && timeout 120 "$BIN" -q $SYM --no-cache --lldb-log "$T/cmds.log" -o "$T/evil.md" "$T/evil" >/dev/null 2>&1)
check "injection: lldb ran" test -s "$T/cmds.log"
check "injection: no file created" sh -c "! find '$T' '$SRC' -name PWNED | grep -q ."
check "injection: only the tool's grammar reached lldb" sh -c "! grep -Ev '^(target create --no-dependents --arch (x86_64|arm64e?) \"[^\`]*\"|target (modules|symbols) add \"[^\`]*\"|target modules load --uuid [0-9A-F-]{36} --slide 0x[0-9a-f]+|image lookup -a 0x[0-9a-f]+|settings set target.arg0 kptsent[0-9]+|settings show target.arg0)\$' '$T/cmds.log'"
check "injection: no report text in the command stream" sh -c "! grep -qiE 'platform|script|PWNED|evil' '$T/cmds.log'"

# a kext whose path holds a backtick is refused from the catalogue, with a diagnostic
mkdir -p "$T/k/Evil\`touch PWNED\`.kext"
cp -r "$FX/kexts/FooNIC.kext/Contents" "$T/k/Evil\`touch PWNED\`.kext/"
timeout 60 "$BIN" -q --trace --kdk-root "$FX/kdks" --kext "$T/k" "$FX/reports/intel-legacy.panic" -v >/dev/null 2>"$T/k.err"
check "a backtick in a kext path is refused" grep -q 'control character or backtick' "$T/k.err"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
