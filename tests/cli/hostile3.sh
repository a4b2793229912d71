#!/bin/sh
# tests/cli/hostile3.sh BINARY - hostile input, round 3 (issue 30, items 3-11 and 14): zip
# directories that hide a member, tar links and duplicate names, paths that name two
# things, empty and other files, binary look-alikes, one report copied in four encodings,
# members past --max-file-bytes, one reason per row, a zstd window over the decoder's
# limit, escaped member names, member paths given as inputs. Every input is built here.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=${KEEP:-$(mktemp -d)}
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
P=$SRC/tests/data/intel-legacy.panic
Z=$SRC/tests/data/ios-zone.ips
cd "$T" || exit 1
K() { timeout 60 "$BIN" -q --no-symbolicate "$@"; }
# row FILE PATH: the status and error of PATH's row in reports CSV FILE (after the path)
row() { ROWP="$2," awk 'BEGIN { p = ENVIRON["ROWP"] } substr($0, 1, length(p)) == p { print substr($0, length(p) + 1) }' "$1"; }
status_is() { # status_is NAME CSV PATH STATUS [WORD]
    got=$(row "$2" "$3")
    case $got in "$4",*"${5:-}"*) ok "$1" ;; *) no "$1 (got: $got)" ;; esac
}
if ! command -v python3 >/dev/null; then
    echo "# SKIP hostile3: no python3 to build the archives"; exit 0
fi

# --- 3. a zip whose central directory points two entries at one local header
python3 - "$P" <<'PY'
import io, struct, sys, zipfile
rep = open(sys.argv[1], "rb").read()
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("a.panic", rep)
d = b.getvalue()
cd, eo = d.find(b"PK\x01\x02"), d.find(b"PK\x05\x06")
ent = d[cd:eo]
n = struct.unpack("<H", ent[28:30])[0]
ent2 = ent[:28] + struct.pack("<H", 5) + ent[30:46] + b"b.ips" + ent[46 + n:]
eocd = bytearray(d[eo:])
struct.pack_into("<HHII", eocd, 8, 2, 2, len(ent + ent2), cd)
open("dup.zip", "wb").write(d[:cd] + ent + ent2 + bytes(eocd))
PY
K -o /dev/null --reports-csv z.csv dup.zip 2>/dev/null
a=$(row z.csv dup.zip) b=$(row z.csv 'dup.zip!b.ips')
case "$a|$b" in
    rejected,*b.ips*"|"*|*"|"?*) ok "a zip with two entries on one local header: b.ips has a row, or the zip is rejected naming it ($a | $b)" ;;
    *) no "a zip with two entries on one local header: b.ips vanished ($a | $b)" ;;
esac

# --- 4. tar links, duplicate names, a loose file named like a member
python3 - "$P" "$Z" <<'PY'
import io, sys, tarfile
rep, zone = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
def add(t, name, data=None, typ=None, link=None):
    ti = tarfile.TarInfo(name)
    if typ is not None:
        ti.type, ti.linkname = typ, link
        t.addfile(ti)
    else:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
with tarfile.open("links.tar", "w") as t:
    add(t, "real.panic", rep)
    add(t, "hard.panic", typ=tarfile.LNKTYPE, link="real.panic")
    add(t, "soft.panic", typ=tarfile.SYMTYPE, link="real.panic")
    add(t, "notes.log", typ=tarfile.SYMTYPE, link="elsewhere.log")
with tarfile.open("dups.tar", "w") as t:
    add(t, "dup.panic", rep)
    add(t, "dup.panic", zone)
with tarfile.open("a.tar", "w") as t:
    add(t, "b.panic", rep)
open("a.tar!b.panic", "wb").write(zone)
PY
K -o /dev/null --reports-csv l.csv links.tar dups.tar a.tar 'a.tar!b.panic' 2>/dev/null
for m in hard.panic soft.panic; do
    got=$(row l.csv "links.tar!$m")
    case $got in ok,*link*|skipped,*link*) ok "tar link member $m: a row saying it is a link ($(echo "$got" | cut -c1-60))" ;;
        *) no "tar link member $m: no row, or no note (got: $got)" ;; esac
    timeout 60 "$BIN" --explain --no-symbolicate "links.tar!$m" > ex.out 2>&1
    ! grep -q 'cannot open' ex.out && grep -q 'link' ex.out && ok "--explain reaches links.tar!$m" || no "--explain links.tar!$m: $(cat ex.out | tail -2)"
done
status_is "the links tar's own row counts the link not named like a report" l.csv links.tar skipped "1 other member"
n=$(cut -d, -f1 l.csv | sort | uniq -d | wc -l)
[ "$n" = 0 ] && ok "no two rows share a path" || no "rows sharing a path: $(cut -d, -f1 l.csv | sort | uniq -d | tr '\n' ' ')"
d1=$(row l.csv 'dups.tar!dup.panic' | cut -d, -f2)
d2=$(grep '^dups.tar!dup.panic[^,]' l.csv | cut -d, -f1)
[ "$d1" = intel-text ] && [ -n "$d2" ] && [ "$(echo "$d2" | wc -l)" = 1 ] && ok "two members of one name: two rows, the second's path set apart ($d2)" ||
    no "two members of one name: '$d1', '$d2'"
if [ -n "$d2" ]; then
    timeout 60 "$BIN" --explain --no-symbolicate "$d2" > ex2.out 2>&1
    timeout 60 "$BIN" --trace --no-symbolicate "$d2" > tr2.out 2>&1
    timeout 60 "$BIN" --explain --no-symbolicate 'dups.tar!dup.panic' > ex1.out 2>&1
    grep -q 'status   ok' ex2.out && grep -q 'zone' ex2.out && ! grep -q 'zone' ex1.out && grep -q '0x' tr2.out &&
        ok "--explain and --trace reach each of the two (the second is the zone report)" || no "--explain of the second duplicate: $(tail -2 ex2.out)"
fi
la=$(row l.csv 'a.tar!b.panic' | cut -d, -f2)
lb=$(grep -c '^a.tar!b.panic' l.csv)
[ "$lb" = 2 ] && [ "$la" = ips ] && ok "a loose file named a.tar!b.panic and the member: two rows, the plain path is the file's" ||
    no "a loose file a.tar!b.panic beside a.tar: $lb rows, the plain path's format '$la'"
other=$(grep '^a.tar!b.panic[^,]' l.csv | cut -d, -f1)
if [ -n "$other" ]; then
    timeout 60 "$BIN" --explain --no-symbolicate "$other" > ex3.out 2>&1
    grep -q 'status   ok' ex3.out && ! grep -q 'zone' ex3.out && ok "--explain reaches the member set apart from the loose file ($other)" ||
        no "--explain '$other': $(tail -2 ex3.out)"
fi

# --- 5. one rule for other files: an empty .ips, an extracted sysdiagnose's logs and plists
D=DiagnosticReports S=sysdiagnose_x
mkdir -p $D $S/logs $S/prefs
cp "$P" $D/Kernel-2024.panic
: > $D/empty.ips
cp "$P" $S/panic-full.panic
echo "log line Kernel version: x" > $S/logs/system.log
printf '<?xml version="1.0"?>\n<plist version="1.0"><dict><key>a</key><string>b</string></dict></plist>\n' > $S/prefs/a.plist
printf '{"name":"x","build":"1"}\n' > $S/prefs/info.json
tar cf sysdiag.tar $S
K -o /dev/null --reports-csv dr.csv $D 2>/dev/null; rc=$?
[ $rc = 0 ] && ok "a DiagnosticReports folder with a 0-byte .ips exits 0" || no "a 0-byte .ips: exit $rc"
status_is "a 0-byte .ips is skipped (empty)" dr.csv $D/empty.ips skipped "empty"
K -o /dev/null --reports-csv sd.csv $S 2>/dev/null; rc=$?
[ $rc = 0 ] && ok "an extracted sysdiagnose exits 0" || no "an extracted sysdiagnose: exit $rc ($(grep -c rejected sd.csv) rejected)"
for f in logs/system.log prefs/a.plist prefs/info.json; do
    status_is "extracted $f: skipped as another kind of file" sd.csv $S/$f skipped
done
K -o /dev/null --reports-csv st.csv sysdiag.tar 2>/dev/null; rc=$?
[ $rc = 0 ] && ! grep -q 'system.log\|a.plist\|info.json' st.csv && status_is "... and inside the archive they are counted as other members" st.csv sysdiag.tar skipped "3 other members" ||
    no "the sysdiagnose tar: exit $rc"

# --- 6. binary look-alikes: no partial .ips salvaged from an ELF or binary data
mkdir -p bin
cp "$BIN" bin/kptrace-batch.ips
python3 - <<'PY'
import os
body = b'"build" : "macOS 14.0 (23A344)",\n"panicString" : "panic(cpu 0 caller 0xfffffe0012d44070): x",\n"product" : "Mac"\n'
open("bin/blob.ips", "wb").write(b"\x00\x01\x02\x03" * 64 + os.urandom(700) + body + b"\x00" * 300)
open("bin/blob2.panic", "wb").write(bytes(range(1, 32)) * 30 + body)
PY
K -o /dev/null --reports-csv bin.csv bin 2>/dev/null
for f in kptrace-batch.ips blob.ips blob2.panic; do
    got=$(row bin.csv bin/$f)
    case $got in rejected,*|skipped,*) ok "binary look-alike $f is no report ($(echo "$got" | cut -c1-50))" ;; *) no "binary look-alike $f was read (got: $(echo "$got" | cut -c1-80))" ;; esac
done
K -o /dev/null --reports-csv u16.csv "$SRC/tests/data/utf16.txt" "$SRC/tests/data/utf16be-nobom.txt" "$SRC/tests/data/nul-bytes.txt" 2>/dev/null
[ "$(grep -c ',ok,\|,partial,' u16.csv)" = 3 ] && ok "UTF-16 reports (NUL bytes) and a report with a few NULs are still read" || no "UTF-16 reports: $(cut -c1-80 u16.csv)"

# --- 7. one legacy .panic copied with a UTF-8 BOM, as UTF-16 with and without a BOM
mkdir -p cp
python3 - "$P" <<'PY'
import sys
t = open(sys.argv[1], "rb").read().decode("utf-8")
open("cp/a.panic", "wb").write(t.encode())
open("cp/b-bom.panic", "wb").write(b"\xef\xbb\xbf" + t.encode())
open("cp/c-utf16.panic", "wb").write(t.encode("utf-16"))
open("cp/d-utf16le.panic", "wb").write(t.encode("utf-16-le"))
PY
K -o /dev/null --reports-csv cp.csv --history cp.db cp 2>/dev/null
s=$(awk -F, 'NR > 1 { print $8 }' cp.csv | sort -u | wc -l)
n=$(sqlite3 cp.db 'SELECT count(*) FROM reports' 2>/dev/null)
[ "$s" = 1 ] && [ "$n" = 1 ] && ok "four copies (plain, BOM, UTF-16, UTF-16LE) sign alike and are one report in the history" ||
    no "four copies: $s signatures, $n reports in the history"

# --- 8. a small archive of huge members: decompressed only to --max-file-bytes
python3 - "$P" <<'PY'
import bz2, io, sys, tarfile
rep = open(sys.argv[1], "rb").read()
mib = bz2.compress(bytes(1 << 20), 1)
def hdr(name, size):
    ti = tarfile.TarInfo(name); ti.size = size
    return ti.tobuf(tarfile.GNU_FORMAT)
out = open("zeros.tar.bz2", "wb")
for i in range(5):   # five 1 GiB members of zeros, each bzip2 stream 1 MiB of them
    out.write(bz2.compress(hdr("z%d.panic" % i, 1 << 30)))
    for k in range(1024):
        out.write(mib)
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w") as t:
    ti = tarfile.TarInfo("after.panic"); ti.size = len(rep); t.addfile(ti, io.BytesIO(rep))
out.write(bz2.compress(b.getvalue()))
PY
t0=$(now)
K -o /dev/null --reports-csv zz.csv zeros.tar.bz2 2>/dev/null
t1=$(now)
secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
status_is "a member of 1 GiB of zeros in a tar.bz2 is rejected at --max-file-bytes" zz.csv 'zeros.tar.bz2!z0.panic' rejected "max-file-bytes"
awk -v s="$secs" 'BEGIN { exit !(s < 6) }' && ok "... in ${secs} s, not decompressed to its end" || no "... took ${secs} s (decompressed past the limit)"
status_is "... the archive says the rest was not decompressed" zz.csv zeros.tar.bz2 rejected "not read"

# --- 9. one reason per row, the first cause
truncate -s 1T big.panic 2>/dev/null && printf x >> big.panic && tar --sparse -cf sparse.tar big.panic 2>/dev/null && rm -f big.panic
if [ -f sparse.tar ]; then
    K -o /dev/null --reports-csv sp.csv sparse.tar 2>/dev/null
    got=$(row sp.csv 'sparse.tar!big.panic')
    case $got in rejected,*max-file-bytes*) case $got in *archive*|*")"[A-Za-z]*) no "a sparse 1 TB member: glued reasons ($got)" ;; *) ok "a sparse 1 TB member: one reason, --max-file-bytes" ;; esac ;;
        *) no "a sparse 1 TB member: $got" ;; esac
else
    echo "# SKIP the sparse 1 TB member: no truncate or GNU tar --sparse"
fi
python3 - <<'PY'
import struct, zlib
data = bytes(100 << 20)
co = zlib.compressobj(1, zlib.DEFLATED, -15)
c = co.compress(data) + co.flush()
name, crc, lie = b"lie.panic", zlib.crc32(data[:2000]), 2000
loc = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 8, 0, 0, crc, len(c), lie, len(name), 0) + name
cen = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 8, 0, 0, crc, len(c), lie, len(name), 0, 0, 0, 0, 0, 0) + name
end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(cen), len(loc) + len(c), 0)
open("lie.zip", "wb").write(loc + c + cen + end)
PY
K --max-file-bytes 5000 -o /dev/null --reports-csv lie.csv lie.zip 2>/dev/null
got=$(row lie.csv 'lie.zip!lie.panic') arc=$(row lie.csv lie.zip)
case $got in rejected,*) ;; *) got="NOT REJECTED $got" ;; esac
NL='
'
case "$got" in *"$NL"*|*")"[A-Za-z]*|NOT*) no "a zip with lying sizes: '$got'" ;; *)
    [ "$(grep -c '^lie.zip!lie.panic,' lie.csv)" = 1 ] && ! grep -q '^lie.panic\|^"$' lie.csv && ok "a zip with lying sizes: one clear reason ($(echo "$got" | cut -c1-70))" ||
        no "a zip with lying sizes: a reason over two lines" ;; esac
case $arc in rejected,*) ok "... and the archive row is rejected" ;; *) no "... the archive row: $arc" ;; esac

# --- 10. an intact zstd stream with a 2 GiB window
python3 - "$P" <<'PY'
import struct, sys
rep = open(sys.argv[1], "rb").read()
# frame: magic, descriptor (no size, no checksum), window log 31, one raw last block
blk = struct.pack("<I", (len(rep) << 3) | 1)[:3]
open("long.panic.zst", "wb").write(b"\x28\xb5\x2f\xfd" + bytes([0x00, (31 - 10) << 3]) + blk + rep)
PY
K -o /dev/null --reports-csv zs.csv long.panic.zst 2>/dev/null
got=$(row zs.csv long.panic.zst)
case $got in rejected,*window*) ok "a zstd stream with a 2 GiB window: its window is over the limit ($(echo "$got" | cut -c1-80))" ;; *) no "a 2 GiB zstd window: $got" ;; esac

# --- 11. a member name with ESC: escaped once per output
python3 - "$P" <<'PY'
import io, sys, tarfile
rep = open(sys.argv[1], "rb").read()
with tarfile.open("esc.tar", "w") as t:
    ti = tarfile.TarInfo("e\x1b[31m.panic"); ti.size = len(rep); t.addfile(ti, io.BytesIO(rep))
PY
K -o es.md --reports-csv es.csv esc.tar 2>/dev/null
p=$(grep '^esc.tar!' es.csv | cut -d, -f1)
[ "$p" = 'esc.tar!e\x1b[31m.panic' ] && ok "reports CSV: the ESC escaped once (\\x1b)" || no "reports CSV path: '$p'"
timeout 60 "$BIN" --explain --no-symbolicate "$p" > ex4.out 2>&1
grep -q 'status   ok' ex4.out && ok "--explain accepts the reports CSV's path" || no "--explain '$p': $(tail -1 ex4.out)"
grep -qF 'esc.tar!e\x1b\[31m.panic' es.md && ! grep -qF 'e\\x1b' es.md && ok "Markdown: escaped once (\x1b, the [ as \[)" || no "Markdown: $(grep -o 'esc.tar.\{20\}' es.md | head -2)"

# --- 14. a member path given as an input, on the command line and through '-'
python3 - "$P" <<'PY'
import io, sys, tarfile
rep = open(sys.argv[1], "rb").read()
with tarfile.open("t.tar", "w") as t:
    ti = tarfile.TarInfo("a.panic"); ti.size = len(rep); t.addfile(ti, io.BytesIO(rep))
PY
K -o /dev/null --reports-csv m.csv 't.tar!a.panic' 't.tar!a.panic' 2>/dev/null; rc=$?
[ $rc = 0 ] && [ "$(grep -c '^t.tar!a.panic,ok' m.csv)" = 1 ] && [ "$(wc -l < m.csv)" = 2 ] &&
    ok "a member path given twice on the command line: read, one row (exit 0)" || no "member path as input: exit $rc: $(cut -c1-80 m.csv | tr '\n' ' ')"
printf 't.tar!a.panic\n' | K -o /dev/null --reports-csv m2.csv - 2>/dev/null; rc=$?
[ $rc = 0 ] && grep -q '^t.tar!a.panic,ok' m2.csv && ok "a member path through '-': read" || no "member path through -: exit $rc: $(cut -c1-80 m2.csv | tr '\n' ' ')"
mkdir -p td && cp t.tar td/
K -o /dev/null --reports-csv m4.csv td 'td/t.tar!a.panic' t.tar 't.tar!a.panic' 2>/dev/null
[ "$(grep -c '^td/t.tar!a.panic,' m4.csv)" = 1 ] && [ "$(grep -c '^t.tar!a.panic,' m4.csv)" = 1 ] &&
    grep -q '^td/t.tar!a.panic,ok' m4.csv && grep -q '^t.tar!a.panic,ok' m4.csv &&
    ok "a member path given beside its archive (or the archive's folder): one row" || no "member and its archive given: $(cut -d, -f1,2 m4.csv | tr '\n' ' ')"
K -o /dev/null --reports-csv m3.csv 't.tar!nothing.panic' 2>/dev/null; rc=$?
[ $rc = 1 ] && grep -q '^t.tar!nothing.panic,rejected' m3.csv && ok "a member path that names nothing: rejected (exit 1)" || no "a missing member: exit $rc"

echo "# hostile3: $pass passed, $fail failed"
[ "$fail" = 0 ]
