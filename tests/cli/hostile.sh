#!/bin/sh
# tests/cli/hostile.sh BINARY - hostile inputs, each with its expected outcome: the status
# (and a word of the reason) its row in --reports-csv must carry. Nothing may crash, hang,
# read outside its input, or go missing from the accounting. Limits are lowered so that the
# files stay small.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
H=$T/in
L=$T/lim
mkdir -p "$H" "$L"
P=$SRC/tests/data/intel-legacy.panic

# --- the cases: file name, then (in expect.txt) status and a word the error must hold ---
cp "$SRC/tests/data/xxe.plist" "$H/xxe.plist"                         # external entity
cp "$SRC/tests/data/entity-bomb.plist" "$H/entity-bomb.plist"         # billion laughs
cp "$SRC/tests/data/bplist-deep.plist" "$H/bplist-deep.plist"         # 5,000 levels (libplist recurses)
cp "$SRC/tests/data/bplist-cycle.plist" "$H/bplist-cycle.plist"       # an array holding itself
cp "$SRC/tests/data/bplist-diamond.plist" "$H/bplist-diamond.plist"   # 60 levels sharing children: 2^60 objects
cp "$SRC/tests/data/bplist-truncated.plist" "$H/bplist-truncated.plist" # cut before its trailer
cp "$SRC/tests/data/utf16-odd.txt" "$H/utf16-odd.txt"                 # half a code unit at the end
cp "$SRC/tests/data/utf16-bad.txt" "$H/utf16-bad.txt"                 # a lone surrogate
{ printf '\377\376'; head -c 100001 /dev/zero; } > "$H/utf16-zeros.txt"  # UTF-16 NULs, odd length
# run with lowered limits: 200,000 bytes a file, 8,192 a line
{ cat "$P"; head -c 300000 /dev/zero | tr '\0' 'x'; } > "$L/too-big.panic"
{ cat "$P"; printf 'Boot args: '; head -c 20000 /dev/zero | tr '\0' 'y'; printf '\n'; } > "$L/long-line.panic"
head -c 3000000 /dev/zero | gzip -9 > "$L/gzip-bomb.gz"               # 3 MB of zeros behind a few KB
awk 'BEGIN { print "panic(cpu 0 caller 0xffffff8000201000): \"deep\""; print "Backtrace (CPU 0), Frame : Return Address";
             for (i = 0; i < 1000000; i++) print "0xffffff80e4ac8d00 : 0xffffff8001e22f79 "; print "Kernel slide:     0x0000000000000000" }' > "$H/million-frames.panic"
{ head -c 400 "$P"; printf '\0\0\0'; tail -c +401 "$P"; } > "$H/nul-bytes.panic"
{ printf 'panic(cpu 0 caller 0xffffff8000201000): "bad \377\376 utf8 \300\200"\n'; tail -n +5 "$P"; } > "$H/invalid-utf8.panic"
{ printf '{"bug_type":"210","timestamp":"2025-01-01 00:00:00.00 +0000","os_version":"macOS 14.0 (23A344)"}\n';
  awk 'BEGIN { for (i = 0; i < 200000; i++) printf "["; }'; printf '\n'; } > "$H/deep-json.ips"
# watchdogs whose stackshots are hostile: 100,000 threads of 40 frames (past the thread and
# frame bounds), nesting 200,000 deep inside processByPid, a body cut inside a thread
WD='{"bug_type":"210","os_version":"macOS 14.6 (23G93)"}
{"panicString":"panic(cpu 0 caller 0xfffffe0012d44070): userspace watchdog timeout: no successful checkins from svc in 120 seconds\n",'
{ printf '%s' "$WD"; awk 'BEGIN { printf "\"processByPid\":{\"5\":{\"pid\":5,\"procname\":\"svc\",\"threadById\":{";
    for (t = 0; t < 100000; t++) { printf "%s\"%d\":{\"id\":%d,\"state\":[\"TH_WAIT\",\"TH_UNINT\"],\"kernelFrames\":[", t ? "," : "", t, t;
        for (f = 0; f < 40; f++) printf "%s[0,%d]", f ? "," : "", 16 + f; printf "]}" }
    printf "}}},\"binaryImages\":[[\"4c4c4438-5555-3144-a128-44c34257d74d\",1,\"T\"]]}\n" }'; } > "$H/ss-many-threads.ips"
{ printf '%s' "$WD"; printf '"processByPid":{"5":{"x":'; awk 'BEGIN { for (i = 0; i < 200000; i++) printf "["; }'; printf '\n'; } > "$H/ss-deep.ips"
{ printf '%s' "$WD"; printf '"processByPid":{"5":{"pid":5,"procname":"svc","threadById":{"7":{"id":7,"kernelFrames":[[0,1'; } > "$H/ss-cut.ips"
ln -s loop-b "$H/loop-a"; ln -s loop-a "$H/loop-b"                      # symlink loop
ln -s /dev/zero "$H/device.panic"                                       # a device
mkfifo "$H/fifo.panic"                                                  # a FIFO (never opened)
printf 'x' > "$H/unreadable.panic"; chmod 000 "$H/unreadable.panic"
cp "$P" "$H/name with
newline.panic"
cp "$P" "$H/pipe|and\"quote'.panic"
cp "$P" "$H/=HYPERLINK(1).panic"
printf 'panic(cpu 0 caller 0xffffff8000201000): "<script>alert(1)</script> | `x` \n# heading\n[link](javascript:x)"\nBacktrace (CPU 0), Frame : Return Address\n0x1 : 0xffffff8001e22f79 \nKernel slide:     0x0000000000000000\n' > "$H/markdown-injection.panic"
printf 'panic(cpu 0 caller 0xffffff8000201000): "=cmd|\x27 /C calc\x27!A0"\nBacktrace (CPU 0), Frame : Return Address\n0x1 : 0xffffff8001e22f79 \nKernel slide:     0x0000000000000000\n' > "$H/csv-formula.panic"
head -c 4096 /dev/urandom > "$H/random.bin"
cat "$P" "$P" > "$H/two-reports.panic"                                 # two copies in one file
awk 'BEGIN { printf "panic(cpu 0 caller 0xffffff8000201000): \""; for (i = 0; i < 16000; i++) printf "TLB ";
             print "\""; print "Backtrace (CPU 0), Frame : Return Address"; print "0x1 : 0xffffff8001e22f79 " }' > "$H/tlb-regex.panic"
printf 'panic(cpu 0 caller 0xffffff8000201000): "bad \357\277\276 and \357\277\277 for XML"\nBacktrace (CPU 0), Frame : Return Address\n0x1 : 0xffffff8001e22f79 \nKernel slide:     0x0000000000000000\n' > "$H/xml-nonchar.panic"

cat > "$T/expect.txt" <<'EOF2'
xxe.plist	rejected	DTD
entity-bomb.plist	rejected	property list
bplist-deep.plist	rejected	nested too deeply
bplist-cycle.plist	rejected	inside itself
bplist-diamond.plist	rejected	over 65,536 objects
bplist-truncated.plist	rejected	binary property list
utf16-odd.txt	partial	UTF-16
utf16-bad.txt	partial	UTF-16
utf16-zeros.txt	skipped	binary data
lim/too-big.panic	rejected	size limit
lim/long-line.panic	partial	line limit
lim/gzip-bomb.gz	rejected	gzip bomb
million-frames.panic	partial	frame limit
nul-bytes.panic	partial	NUL
invalid-utf8.panic	ok	-
deep-json.ips	rejected	panic
ss-many-threads.ips	partial	no frame of the thread
ss-deep.ips	partial	nests too deep
ss-cut.ips	partial	cut short
loop-a	rejected	symlink loop
loop-b	rejected	symlink loop
device.panic	rejected	device
fifo.panic	rejected	FIFO
name with	ok	-
pipe|and"quote'.panic	ok	-
=HYPERLINK(1).panic	ok	-
markdown-injection.panic	ok	-
csv-formula.panic	ok	-
xml-nonchar.panic	ok	-
two-reports.panic	partial	two panics in one file
tlb-regex.panic	ok	-
random.bin	skipped	binary data
EOF2
if [ "$(id -u)" != 0 ]; then printf 'unreadable.panic\trejected\tcannot open\n' >> "$T/expect.txt"; else
    printf 'unreadable.panic\trejected\tnot a panic\n' >> "$T/expect.txt"; echo "# unreadable.panic: running as root, so the file is readable (its one byte is no report)"; fi

start=$(date +%s)
(cd "$T" && timeout 120 "$BIN" -q --no-symbolicate -o "$T/s.md" --csv "$T/c.csv" --reports-csv "$T/r.csv" \
    --json "$T/s.json" --plot "$T/p.svg" in)
rc=$?
(cd "$T" && timeout 60 "$BIN" -q --no-symbolicate --max-file-bytes 200000 --max-line-bytes 8192 \
    -o "$T/l.md" --reports-csv "$T/l.csv" lim)
tail -n +2 "$T/l.csv" >> "$T/r.csv"
[ "$rc" = 1 ] && ok "exit 1: some inputs rejected" || no "exit $rc, wanted 1"
[ $(( $(date +%s) - start )) -lt 60 ] && ok "finished in under a minute" || no "too slow"
# matching is bounded per report: a message that made the TLB class pattern take seconds
for i in 1 2 3 4 5; do cp "$H/tlb-regex.panic" "$T/tlb$i.panic"; done
timeout 5 "$BIN" -q --no-symbolicate -o /dev/null "$T"/tlb*.panic && ok "five pathological messages signed in under 5 s" || no "class matching is unbounded"
n=$(find "$H" "$L" -mindepth 1 -exec printf x \; | wc -c)
got=$(grep -cE ',(ok|partial|rejected|skipped),' "$T/r.csv")
[ "$got" = "$n" ] && ok "every one of the $n entries has a row" || no "$got rows for $n entries"

while IFS='	' read -r name status word; do
    # the row of this name: quotes doubled as CSV writes them; a name with a newline spans
    # two lines of the CSV
    case $name in */*) pat=$name ;; *) pat="in/$name" ;; esac
    pat=$(printf '%s' "$pat" | sed 's/"/""/g')
    row=$(grep -F -A1 "$pat" "$T/r.csv" | head -n 2 | tr '\n' ' ')
    case $row in
    *",$status,"*) [ "$word" = - ] || echo "$row" | grep -qF "$word" && ok "$name: $status${word#-}" || no "$name: reason lacks '$word': $row" ;;
    *) no "$name: wanted $status, got: $row" ;;
    esac
done < "$T/expect.txt"

# what the outputs must not contain
! grep -q '<script>' "$T/s.md" && ok "no raw HTML in the Markdown" || no "raw HTML in the Markdown"
! grep -q '^# heading' "$T/s.md" && ok "no heading injected" || no "heading injected"
! grep -q '^=' "$T/r.csv" "$T/c.csv" && ok "no CSV cell starts a formula" || no "a CSV cell starts with ="
if command -v python3 >/dev/null; then
    python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/s.json" && ok "JSON parses" || no "JSON does not parse"
fi
! grep -q 'root:x:0:0' "$T/s.md" "$T/s.json" && ok "no file content pulled in by an entity" || no "external entity was read"
if command -v xmllint >/dev/null; then
    xmllint --noout "$T/p.svg" 2>/dev/null && ok "the SVG is well-formed XML (U+FFFE, U+FFFF dropped)" || no "the SVG is not well-formed"
elif command -v python3 >/dev/null; then
    python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])" "$T/p.svg" && ok "the SVG is well-formed XML (U+FFFE, U+FFFF dropped)" || no "the SVG is not well-formed"
fi

# --- every file the tool opens, not only the inputs: a FIFO or a device is refused, never
# waited on (each run has 30 s; a hang is a failure)
A=$T/aux
mkdir -p "$A/rules" "$A/cache" "$A/kexts/Evil.kext/Contents"
mkfifo "$A/baseline.csv" "$A/state.json"
cp "$SRC"/cluster/rules/xnusig-1/* "$A/rules/" && rm "$A/rules/tail.txt" && mkfifo "$A/rules/tail.txt"
mkfifo "$A/kexts/Evil.kext/Contents/Info.plist"
aux() { # aux NAME WANTED_EXIT ARGS...
    name=$1 want=$2
    shift 2
    timeout 30 "$BIN" -q "$@" >"$T/aux.out" 2>"$T/aux.err"
    got=$?
    if [ "$got" = "$want" ]; then ok "$name (exit $got)"; else no "$name: exit $got, wanted $want"; sed 's/^/#   /' "$T/aux.err" | head -3; fi
}
aux "a FIFO as --baseline is refused" 3 --no-symbolicate -o /dev/null --baseline "$A/baseline.csv" "$P"
grep -q 'not a regular file' "$T/aux.err" && ok "  ... and the reason names it" || no "  ... no reason"
aux "a FIFO in --rules is refused" 3 --no-symbolicate -o /dev/null --rules "$A/rules" "$P"
timeout 30 "$BIN" merge -q -o /dev/null "$A/state.json" 2>"$T/aux.err"
[ $? = 3 ] && grep -q 'not a regular file' "$T/aux.err" && ok "a FIFO as a merge state is refused (exit 3)" || no "a FIFO as a merge state was not refused"
aux "a FIFO as a kext's Info.plist is passed over" 0 --kext "$A/kexts" --no-cache --kdk-root "$A/none" -o /dev/null "$P"
# the symbol cache: a FIFO, a link to /dev/zero, a link to a user's file where a cache file goes
u=$(awk '/^Kernel UUID:/ { gsub("-", "", $3); print toupper($3); exit }' "$SRC/tests/data/intel-legacy.panic")
FX=$SRC/build/fixtures
if [ -d "$FX/kdks" ]; then
    ku=$(awk '/^Kernel UUID:/ { gsub("-", "", $3); print toupper($3); exit }' "$FX/reports/intel-legacy.panic")
    mkfifo "$A/cache/$ku.v1"
    aux "a FIFO as the cache file: the run finishes" 0 --kdk-root "$FX/kdks" --cache "$A/cache" -o "$T/c1.md" "$FX/reports/intel-legacy.panic"
    rm -f "$A/cache/$ku.v1"; ln -s /dev/zero "$A/cache/$ku.v1"
    aux "a cache file linked to /dev/zero: the run finishes" 0 --kdk-root "$FX/kdks" --cache "$A/cache" -o "$T/c2.md" "$FX/reports/intel-legacy.panic"
    rm -f "$A/cache/$ku.v1"; printf 'my notes\n' > "$T/user-file"; ln -s "$T/user-file" "$A/cache/$ku.v1"
    aux "a cache file linked to a user's file" 0 --kdk-root "$FX/kdks" --cache "$A/cache" -o "$T/c3.md" "$FX/reports/intel-legacy.panic"
    [ "$(cat "$T/user-file")" = "my notes" ] && ok "  ... the user's file is untouched" || no "  ... the user's file was overwritten"
    # a record cut by a crash is not glued onto by the next run's append
    rm -f "$A/cache/$ku.v1"
    aux "cache: a first run" 0 --kdk-root "$FX/kdks" --cache "$A/cache" -o /dev/null "$FX/reports/intel-legacy.panic"
    size=$(wc -c < "$A/cache/$ku.v1")
    head -c $((size - 5)) "$A/cache/$ku.v1" > "$T/cut" && cat "$T/cut" > "$A/cache/$ku.v1"
    aux "cache: a run after a cut record" 0 --kdk-root "$FX/kdks" --cache "$A/cache" -o /dev/null "$FX/reports/intel-legacy.panic"
    [ "$(tail -c 1 "$A/cache/$ku.v1" | od -An -c | tr -d ' ')" = '\n' ] && ! grep -q "$(tail -n 1 "$T/cut")	" "$A/cache/$ku.v1" 2>/dev/null &&
        ok "  ... the cache is whole again, the cut record not continued" || no "  ... a record was glued onto"
    # a cache directory others may write into, or another user's: not used, and said
    mkdir -p "$A/open-cache" && chmod 0777 "$A/open-cache"
    timeout 60 "$BIN" --kdk-root "$FX/kdks" --cache "$A/open-cache" -o /dev/null "$FX/reports/intel-legacy.panic" 2>"$T/aux.err"
    grep -q "open-cache' can be written by others" "$T/aux.err" && [ -z "$(ls -A "$A/open-cache")" ] &&
        ok "a cache directory others can write is not used" || no "a world-writable cache directory was used"
    ln -s "$A/cache" "$A/link-cache"
    timeout 60 "$BIN" --kdk-root "$FX/kdks" --cache "$A/link-cache" -o /dev/null "$FX/reports/intel-legacy.panic" 2>"$T/aux.err"
    grep -q "is not a directory" "$T/aux.err" && ok "a cache directory that is a symbolic link is not used" || no "a symlinked cache directory was used"
else
    echo "# SKIP the symbol cache cases: no fixtures in $FX"
fi

# --- memory running out (ulimit -v; not under ASan, which reserves far more address space):
# a report too large for memory is rejected with why; anything else exits 4, cleaned up
if [ -z "${ASAN_OPTIONS:-}" ]; then
    O=$T/oom
    mkdir -p "$O/in1" "$O/in2" "$O/out1" "$O/out2"
    { cat "$P"; head -c 60000000 /dev/zero | tr '\0' 'x'; } > "$O/in1/huge.panic"; cp "$P" "$O/in1/"
    (ulimit -v 100000; timeout 60 "$BIN" -q --no-symbolicate -o "$O/out1/s.md" --reports-csv "$O/out1/r.csv" "$O/in1" 2>/dev/null)
    rc=$?
    [ $rc = 1 ] && grep -q 'huge.panic,rejected,.*not enough memory' "$O/out1/r.csv" && grep -q 'intel-legacy.panic,ok' "$O/out1/r.csv" &&
        ok "out of memory for one report: it is rejected with why, the others read (exit 1)" || no "out of memory for one report: exit $rc"
    # (memory running out while one input is held rejects that input: what runs out here is
    # the path list, three million names on standard input)
    awk -v d="$O/in2" 'BEGIN { for (i = 0; i < 3000000; i++) printf "%s/no-such-report-%08d.panic\n", d, i }' |
    (ulimit -v 90000; timeout 60 "$BIN" -q --no-symbolicate -o "$O/out2/s.md" --csv "$O/out2/c.csv" - 2>"$O/err")
    rc=$?
    [ $rc = 4 ] && [ -z "$(ls -A "$O/out2")" ] && grep -q 'out of memory' "$O/err" &&
        ok "out of memory elsewhere: exit 4, no output and no temporary file" || no "out of memory elsewhere: exit $rc, left: $(ls -A "$O/out2" | tr '\n' ' ')"
    rm -rf "$O"
else
    echo "# SKIP the out-of-memory cases under ASan (ulimit -v and its shadow memory do not mix)"
fi

# --- a file deeper than PATH_MAX (45 levels of 101 bytes): walked and read in pieces
# shorter than PATH_MAX (openat), it has its row like any other
D=$T/deep
mkdir -p "$D" && (cd "$D" && perl -e 'for (1 .. 45) { my $n = sprintf("d%0100d", $_); mkdir $n or die; chdir $n or die }
    system("cp", $ARGV[0], "deep.panic") == 0 or die' "$P") # (a shell's cd gives up past PATH_MAX)
timeout 60 "$BIN" -q --no-symbolicate -o /dev/null --reports-csv "$T/deep.csv" "$D"
[ "$(grep -c 'deep.panic,ok,' "$T/deep.csv")" = 1 ] && ! grep -q 'too long' "$T/deep.csv" && ok "a file past PATH_MAX is read (ok)" || no "a file past PATH_MAX: $(cut -d, -f2,12 "$T/deep.csv" | tail -1)"

# --- walking the dumps: a symlink diamond, a link out to /, overlapping PATHs, hard links
W=$T/walk
mkdir -p "$W/d/l0"
i=0
while [ $i -lt 13 ]; do   # each level links twice to the next: 2^13 paths to one file
    mkdir -p "$W/d/l$((i + 1))"
    ln -s "../l$((i + 1))" "$W/d/l$i/a"
    ln -s "../l$((i + 1))" "$W/d/l$i/b"
    i=$((i + 1))
done
cp "$P" "$W/d/l13/deep.panic"
ln -s / "$W/d/root-link"
ln "$W/d/l13/deep.panic" "$W/d/hard.panic"
timeout 60 "$BIN" -q --no-symbolicate -o /dev/null --reports-csv "$W/r.csv" "$W/d/l0" "$W/d" "$W/d/l13/deep.panic"
rc=$?
[ $rc -le 1 ] && ok "symlink diamond of 13 levels: the walk finishes (exit $rc)" || no "symlink diamond: exit $rc"
[ "$(grep -c 'deep.panic\|hard.panic' "$W/r.csv")" = 1 ] && ok "one file by 8,192 paths, a hard link and its own PATH: one row" ||
    no "one file, several rows: $(grep -c 'panic,' "$W/r.csv")"
grep -q 'root-link,rejected,.*outside the given folders' "$W/r.csv" && ok "a link to / is not followed, and its row says why" ||
    no "a link to / was followed"

# --- names that differ only in bytes that are not UTF-8 print apart (\xNN), in every output
N=$T/names && mkdir -p "$N/in"
cp "$P" "$N/in/$(printf 'bad\377.panic')" && cp "$P" "$N/in/$(printf 'bad\376.panic')"
timeout 60 "$BIN" -q --no-symbolicate -o "$N/s.md" --reports-csv "$N/r.csv" --json "$N/s.json" "$N/in"
grep -qF 'bad\xff.panic' "$N/r.csv" && grep -qF 'bad\xfe.panic' "$N/r.csv" && grep -qF 'bad\\xfe.panic' "$N/s.json" &&
    grep -qF 'bad\\xfe.panic' "$N/s.md" && ok "names that differ in non-UTF-8 bytes print apart" || no "non-UTF-8 names print the same"

# --- merge states are untrusted input: validated field by field, rows re-rendered
M=$T/merge
mkdir -p "$M"
timeout 60 "$BIN" -q --no-symbolicate -o /dev/null --emit-state "$M/good.json" "$SRC/samples" "$SRC/tests/data/intel-legacy.panic"
forge() { # forge NAME SED-EXPRESSION: a state with one thing changed, which merge must refuse
    sed "$2" "$M/good.json" > "$M/$1.json"
    cmp -s "$M/good.json" "$M/$1.json" && { no "$1: the forgery changed nothing"; return; }
    timeout 30 "$BIN" merge -q -o "$M/$1.md" --reports-csv "$M/$1.csv" "$M/$1.json" 2>"$M/$1.err"
    rc=$?
    [ $rc = 3 ] && grep -q 'not a valid state' "$M/$1.err" && ok "state $1: refused (exit 3)" || no "state $1: exit $rc"
}
forge null-rep-path 's/"representative":"[^"]*"/"representative":null/g; s/"signature_id":"[0-9a-f]\{16\}"/"signature_id":"00000000000000aa"/g'
forge rules-html 's/"rules":"[0-9a-f]*"/"rules":"<script>x<\/script>\\n# heading"/'
forge id-formula '0,/"signature_id":"[0-9a-f]\{16\}"/s//"signature_id":"=HYPERLINK(1)<img onerror>"/'
forge negative-count '0,/"count":[0-9]*/s//"count":-5/'
forge huge-count '0,/"count":[0-9]*/s//"count":9223372036854775807/'
forge hist-negative '0,/"v":\[\["[^"]*",[0-9]*\]/s//"v":[["x",-3]/'
forge totals-lie 's/"files":[0-9]*/"files":99999/'
# a row's CSV with a formula cell comes out neutralised, its JSON parsed again
sed 's/"csv":"/"csv":"=cmd|calc!A0,/' "$M/good.json" > "$M/formula.json"
timeout 30 "$BIN" merge -q -o /dev/null --reports-csv "$M/formula.csv" "$M/formula.json" 2>/dev/null
grep -q "'=cmd" "$M/formula.csv" && ! grep -q '^=' "$M/formula.csv" && ok "state row formula: neutralised in the merged CSV" ||
    no "state row formula: reached the CSV raw"
timeout 30 "$BIN" merge -q -o /dev/null "$M/good.json" "$M/good.json" 2>"$M/twice.err"
[ $? = 3 ] && grep -q 'overlap' "$M/twice.err" && ok "the same state merged twice is refused (exit 3)" || no "a state merged twice was counted twice"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
