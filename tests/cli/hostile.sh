#!/bin/sh
# tests/cli/hostile.sh BINARY - hostile inputs, each with its expected outcome: the status
# (and a word of the reason) its row in --reports-csv must carry. Nothing may crash, hang,
# read outside its input, or go missing from the accounting. Limits are lowered so that the
# files stay small.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
H=$T/in
L=$T/lim
mkdir -p "$H" "$L"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
no() { fail=$((fail + 1)); echo "not ok - $1"; }
P=$SRC/tests/data/intel-legacy.panic

# --- the cases: file name, then (in expect.txt) status and a word the error must hold ---
cp "$SRC/tests/data/xxe.plist" "$H/xxe.plist"                         # external entity
cp "$SRC/tests/data/entity-bomb.plist" "$H/entity-bomb.plist"         # billion laughs
cp "$SRC/tests/data/bplist-deep.plist" "$H/bplist-deep.plist"         # 5,000 levels (libplist recurses)
cp "$SRC/tests/data/bplist-cycle.plist" "$H/bplist-cycle.plist"       # an array holding itself
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

cat > "$T/expect.txt" <<'EOF2'
xxe.plist	rejected	DTD
entity-bomb.plist	rejected	property list
bplist-deep.plist	rejected	nested too deeply
bplist-cycle.plist	rejected	binary property list
bplist-truncated.plist	rejected	binary property list
utf16-odd.txt	partial	UTF-16
utf16-bad.txt	partial	UTF-16
utf16-zeros.txt	rejected	not a panic
lim/too-big.panic	rejected	size limit
lim/long-line.panic	partial	line limit
lim/gzip-bomb.gz	rejected	gzip bomb
million-frames.panic	partial	frame limit
nul-bytes.panic	partial	NUL
invalid-utf8.panic	ok	-
deep-json.ips	rejected	panic
loop-a	rejected	symlink loop
loop-b	rejected	symlink loop
device.panic	rejected	device
fifo.panic	rejected	FIFO
name with	ok	-
pipe|and"quote'.panic	ok	-
=HYPERLINK(1).panic	ok	-
markdown-injection.panic	ok	-
csv-formula.panic	ok	-
random.bin	rejected	not a panic
EOF2
if [ "$(id -u)" != 0 ]; then printf 'unreadable.panic\trejected\tcannot open\n' >> "$T/expect.txt"; else
    printf 'unreadable.panic\trejected\tnot a panic\n' >> "$T/expect.txt"; echo "# unreadable.panic: running as root, so the file is readable (its one byte is no report)"; fi

start=$(date +%s)
(cd "$T" && timeout 120 "$BIN" -q --no-symbolicate -o "$T/s.md" --csv "$T/c.csv" --reports-csv "$T/r.csv" \
    --json "$T/s.json" in)
rc=$?
(cd "$T" && timeout 60 "$BIN" -q --no-symbolicate --max-file-bytes 200000 --max-line-bytes 8192 \
    -o "$T/l.md" --reports-csv "$T/l.csv" lim)
tail -n +2 "$T/l.csv" >> "$T/r.csv"
[ "$rc" = 1 ] && ok "exit 1: some inputs rejected" || no "exit $rc, wanted 1"
[ $(( $(date +%s) - start )) -lt 60 ] && ok "finished in under a minute" || no "too slow"
n=$(find "$H" "$L" -mindepth 1 -printf x | wc -c)
got=$(grep -cE ',(ok|partial|rejected),' "$T/r.csv")
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

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
