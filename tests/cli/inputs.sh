#!/bin/sh
# tests/cli/inputs.sh BINARY - what fleets hand over (issue 22, issue 20 items 4 and 10):
# DiagnosticReports folders with other kinds of report (skipped, exit 0), files that only
# mention a report's field (no report), archives read member by member with their limits,
# and a directory tree 20,000 levels deep. Every input is written here.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=${KEEP:-$(mktemp -d)}
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
P=$SRC/tests/data/intel-legacy.panic
K="$BIN -q --no-symbolicate"

# row FILE PATH: the status and error of PATH's row in reports CSV FILE
# (the whole row after the path: an error may hold commas)
row() { ROWP="$2," awk 'BEGIN { p = ENVIRON["ROWP"] } substr($0, 1, length(p)) == p { print substr($0, length(p) + 1) }' "$1"; }
status_is() { # status_is NAME CSV PATH STATUS [WORD]
    got=$(row "$2" "$3")
    case $got in "$4",*"${5:-}"*) ok "$1" ;; *) no "$1 (got: $got)" ;; esac
}

# --- a DiagnosticReports folder: panics beside crash, spin, hang reports and Finder's files
D=$T/DiagnosticReports
mkdir -p "$D"
cp "$P" "$D/Kernel-2024-01-01-000000.panic"
printf '{"bug_type":"309","os_version":"macOS 14.0 (23A344)","timestamp":"2024-01-01 00:00:00.00 +0000"}\n{\n  "procName" : "Finder",\n  "build" : "1.0"\n}\n' > "$D/Finder-2024-01-01-000000.ips"
printf '{"bug_type":"288","os_version":"macOS 14.0 (23A344)"}\n{"x":1}\n' > "$D/stacks-2024-01-01.ips"
printf 'Date/Time:        2024-01-01\nCommand:          Safari\nEvent:            hang\n' > "$D/Safari_2024-01-01.hang"
printf 'Date/Time:        2024-01-01\nEvent:            cpu usage\n' > "$D/mds_2024-01-01.cpu_resource.diag"
printf 'Process: Finder\nException Type: EXC_BAD_ACCESS\n' > "$D/Finder_2024-01-01.crash"
printf 'Date/Time: 2024\nSpin\n' > "$D/WindowServer_2024.spin"
printf '\0\0\0\1Bud1\0\0\020\0' > "$D/.DS_Store"
$K --reports-csv "$T/dr.csv" --json "$T/dr.json" --history "$T/h.db" -o "$T/dr.md" "$D" 2>"$T/dr.err"
rc=$?
[ $rc = 0 ] && ok "a DiagnosticReports folder exits 0" || no "a DiagnosticReports folder exits 0 (got $rc)"
status_is "crash .ips (bug_type 309) is skipped, saying what it is" "$T/dr.csv" "$D/Finder-2024-01-01-000000.ips" skipped "bug_type 309"
status_is "stackshot .ips (288) is skipped" "$T/dr.csv" "$D/stacks-2024-01-01.ips" skipped "288"
status_is ".hang is skipped" "$T/dr.csv" "$D/Safari_2024-01-01.hang" skipped "hang report"
status_is ".diag is skipped" "$T/dr.csv" "$D/mds_2024-01-01.cpu_resource.diag" skipped ".diag"
status_is ".crash is skipped" "$T/dr.csv" "$D/Finder_2024-01-01.crash" skipped "crash report"
status_is ".spin is skipped" "$T/dr.csv" "$D/WindowServer_2024.spin" skipped "spin report"
status_is ".DS_Store is skipped" "$T/dr.csv" "$D/.DS_Store" skipped ".DS_Store"
status_is "the panic is read" "$T/dr.csv" "$D/Kernel-2024-01-01-000000.panic" ok
check "JSON totals count the skipped" grep -q '"skipped":7' "$T/dr.json"
check "the summary says how many were skipped" grep -q '^Skipped: 7 files' "$T/dr.md"
check "skipped files are no rejected files" grep -q '^None\.' "$T/dr.md"
check "skipped files are not on stderr" sh -c "! grep -q 'spin' '$T/dr.err'"
n=$(sqlite3 "$T/h.db" 'select count(*) from reports' 2>/dev/null)
[ "$n" = 1 ] && ok "the history records the panic only" || no "the history records the panic only (got $n)"

# --- look-alikes: files that mention a report's field are no report (issue 20 item 10)
L=$T/lookalike
mkdir -p "$L"
{ printf '\177ELF\002\001\001\0\0\0\0\0\0\0\0\0'; head -c 2000 /dev/zero; printf '"build" : "x" "kernel" : Kernel version: panicString'; } > "$L/tool.elf"
printf '{\n  "name" : "tool",\n  "build" : "1.4.2",\n  "product" : "kptrace"\n}\n' > "$L/build-info.json"
printf '# Notes\n\nThe report said `"product" : "MacBookPro18,1"` and nothing else.\n' > "$L/notes.md"
{ head -c 3000 /dev/urandom | tr -d '\n'; printf '"kernel" :'; } > "$L/random.bin"
printf 'Our build farm\nKernel version: Darwin 23.1.0\nUptime: 3 days\n' > "$L/uname.txt"
$K --reports-csv "$T/la.csv" --history "$T/la.db" -o "$T/la.md" "$L" 2>/dev/null
# (named like no report, each is another kind of file: skipped, as inside an archive; issue 30)
for f in tool.elf build-info.json notes.md random.bin uname.txt; do
    status_is "look-alike $f is not a report" "$T/la.csv" "$L/$f" skipped "not a panic report"
done
check "no look-alike is clustered" sh -c "! grep -q 'generic' '$T/la.md'"
n=$(sqlite3 "$T/la.db" 'select count(*) from reports' 2>/dev/null)
[ "${n:-0}" = 0 ] && ok "no look-alike is recorded in the history" || no "no look-alike is recorded in the history (got $n)"
# ... while report variants without a 'panic(cpu' line still are reports
mkdir -p "$T/variants"
printf 'Panic(CPU 4): NMIPI for spinlock acquisition timeout\nBacktrace (CPU 4), Frame : Return Address\n0xffffff80e4ac8d00 : 0xffffff8001e22f79 \n' > "$T/variants/nmipi.txt"
printf 'Machine-check capabilities 0x0000000000000c09:\n family: 6 model: 45 stepping: 7 microcode: 1811\n*** MCA Error Report ***\nCPU Machine Check Error\n' > "$T/variants/mca.txt"
{ printf 'Kernel version:\nDarwin Kernel Version 21.6.0: Mon Dec 19 20:44:01 PST 2022; root:xnu-8020.240.18~2/RELEASE_X86_64\n';
  printf 'Kernel UUID: 33C30416-3302-3FFF-9686-A557DED28C5B\nKernel slide:      0x0000000000810000\nKernel text base:  0xffffff8000a10000\n'; } > "$T/variants/tail.txt"
printf '{\n  "build" : "macOS 14.0 (23A344)",\n  "panicString" : "panic(cpu 0 caller 0xfffffe0012d44070): x"\n}\n' > "$T/variants/body.txt"
$K --reports-csv "$T/va.csv" -o /dev/null "$T/variants" 2>/dev/null
for f in nmipi.txt mca.txt tail.txt body.txt; do
    got=$(row "$T/va.csv" "$T/variants/$f")
    case $got in ok,*|partial,*) ok "variant $f is a report" ;; *) no "variant $f is a report (got: $got)" ;; esac
done

# --- archives (issue 22): a sysdiagnose-like tarball, a zip of the test reports, tar.xz,
# tar.bz2, tar.zst, a lone xz; members are rows "archive!member", the rest is counted
A=$T/arch
S=$T/sysdiagnose_2024.01.01_Mac
mkdir -p "$A" "$S/crashes_and_spins" "$S/logs/powerlogs" "$S/WiFi"
cp "$P" "$S/crashes_and_spins/panic-full-2024-01-01-000000.0002.panic"
cp "$SRC/tests/data/ios-zone.ips" "$S/crashes_and_spins/panic-full-2024-01-02-000000.0003.ips"
cp "$SRC/tests/data/arm64-abort.txt" "$S/crashes_and_spins/panic-base-2024-01-03.ips"
printf '{"bug_type":"309","os_version":"macOS 14.0 (23A344)"}\n{\n  "procName" : "Finder"\n}\n' > "$S/crashes_and_spins/Finder-2024-01-01.ips"
i=0; while [ $i -lt 300 ]; do echo "log line $i Kernel version: x" > "$S/logs/system.$i.log"; i=$((i + 1)); done
printf '<?xml version="1.0"?>\n<plist version="1.0"><dict><key>a</key><string>b</string></dict></plist>\n' > "$S/WiFi/prefs.plist"
head -c 5000 /dev/urandom > "$S/logs/powerlogs/log.PLSQL"
(cd "$T" && tar czf "$A/sysdiagnose.tar.gz" "$(basename "$S")")
mkdir -p "$T/zipsrc"
for f in intel-legacy.panic intel-wrapped.panic ios-zone.ips t2-both.ips arm64-abort.txt panic.plist; do cp "$SRC/tests/data/$f" "$T/zipsrc/"; done
mkdir -p "$T/zipsrc/__MACOSX"; printf '\0\005\026\007AppleDouble' > "$T/zipsrc/__MACOSX/._intel-legacy.panic"
printf '\0\0\0\1Bud1' > "$T/zipsrc/.DS_Store"
(cd "$T/zipsrc" && zip -qr "$A/reports.zip" . && rm -rf __MACOSX .DS_Store)
(cd "$T/zipsrc" && tar cJf "$A/two.tar.xz" intel-legacy.panic ios-zone.ips && tar cjf "$A/two.tar.bz2" intel-legacy.panic ios-zone.ips)
if command -v zstd >/dev/null 2>&1; then (cd "$T/zipsrc" && tar cf - intel-legacy.panic ios-zone.ips | zstd -q > "$A/two.tar.zst"); fi
xz < "$P" > "$A/lone.panic.xz"
python3 - "$A/two.cpio" "$P" <<'PY'
import sys
out, panic = sys.argv[1], sys.argv[2]
def member(name, data, ino):  # cpio "newc": a 110-byte header, the name, the data, 4-aligned
    n = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in (ino, 0o100644, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0))
    pad = lambda k: b"\0" * (-k % 4)
    return h + n + pad(len(h) + len(n)) + data + pad(len(data))
rep = open(panic, "rb").read()
open(out, "wb").write(member("crashes/a.panic", rep, 1) + member("notes.txt", b"hello\n", 2) + member("TRAILER!!!", b"", 0))
PY
$K --reports-csv "$T/ar.csv" --json "$T/ar.json" -o "$T/ar.md" "$A" 2>"$T/ar.err"
rc=$?
[ $rc = 0 ] && ok "archives of reports exit 0" || no "archives of reports exit 0 (got $rc)"
SD="$A/sysdiagnose.tar.gz!$(basename "$S")/crashes_and_spins"
status_is "a sysdiagnose's .panic is a row" "$T/ar.csv" "$SD/panic-full-2024-01-01-000000.0002.panic" ok
status_is "a sysdiagnose's .ips is a row" "$T/ar.csv" "$SD/panic-full-2024-01-02-000000.0003.ips" ok
status_is "a sysdiagnose's panic text is a row" "$T/ar.csv" "$SD/panic-base-2024-01-03.ips" ok
status_is "a sysdiagnose's crash report is skipped" "$T/ar.csv" "$SD/Finder-2024-01-01.ips" skipped "309"
status_is "the sysdiagnose's own row counts its other members" "$T/ar.csv" "$A/sysdiagnose.tar.gz" skipped "302 other members"
[ "$(grep -c "^$A/sysdiagnose.tar.gz" "$T/ar.csv")" = 5 ] && ok "the sysdiagnose has 5 rows, not 306" || no "the sysdiagnose has 5 rows, not 306"
check "logs, plists and databases have no row" sh -c "! grep -q 'system.1.log\|prefs.plist\|log.PLSQL' '$T/ar.csv'"
for f in intel-legacy.panic intel-wrapped.panic ios-zone.ips t2-both.ips arm64-abort.txt panic.plist; do
    got=$(row "$T/ar.csv" "$A/reports.zip!$f")
    case $got in ok,*|partial,*) ok "zip member $f is read" ;; *) no "zip member $f is read (got: $got)" ;; esac
done
check "Finder's files in a zip (.DS_Store, __MACOSX/._*) are counted, not listed" sh -c "! grep -q 'DS_Store\|__MACOSX' '$T/ar.csv'"
status_is "tar.xz members are read" "$T/ar.csv" "$A/two.tar.xz!ios-zone.ips" ok
status_is "tar.bz2 members are read" "$T/ar.csv" "$A/two.tar.bz2!intel-legacy.panic" ok
[ -f "$A/two.tar.zst" ] && status_is "tar.zst members are read" "$T/ar.csv" "$A/two.tar.zst!intel-legacy.panic" ok
status_is "a lone .xz report is read as itself" "$T/ar.csv" "$A/lone.panic.xz" ok
status_is "cpio members are read" "$T/ar.csv" "$A/two.cpio!crashes/a.panic" ok
status_is "the cpio's own row counts its other member" "$T/ar.csv" "$A/two.cpio" skipped "1 other member"
# an archive is read once (issue 31): its members come from the bytes the worker read
if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true >/dev/null 2>&1; then
    for j in 1 4; do
        # (LeakSanitizer cannot run under ptrace: off for this run, as in commit.sh)
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
            strace -f -e trace=open,openat -o "$T/open.$j" $K -j$j -o /dev/null "$A/reports.zip" 2>/dev/null
        n=$(grep -c "\"$A/reports.zip\"" "$T/open.$j")
        [ "$n" = 1 ] && ok "-j$j: an archive is opened once" || no "-j$j: an archive is opened once (got $n)"
    done
else
    echo "# SKIP an archive read once: no strace that works here"
fi
# the same report loose and in an archive: one signature, one identity
$K --reports-csv "$T/loose.csv" --history "$T/same.db" -o /dev/null "$T/zipsrc" 2>/dev/null
$K --reports-csv "$T/zipped.csv" --history "$T/same.db" -o /dev/null "$A/reports.zip" 2>/dev/null
for f in intel-legacy.panic ios-zone.ips t2-both.ips; do
    a=$(awk -F, -v p="$T/zipsrc/$f" '$1 == p { print $8 }' "$T/loose.csv")
    b=$(awk -F, -v p="$A/reports.zip!$f" '$1 == p { print $8 }' "$T/zipped.csv")
    [ -n "$a" ] && [ "$a" = "$b" ] && ok "$f signs the same loose and zipped" || no "$f signs the same loose and zipped ($a, $b)"
done
n=$(sqlite3 "$T/same.db" 'select count(*) from reports' 2>/dev/null)
m=$(grep -c ',ok,\|,partial,' "$T/loose.csv")
[ "$n" = "$m" ] && ok "the zipped copies are no new reports in the history" || no "the zipped copies are no new reports in the history ($n, $m)"
# --explain and --trace take a member's path
$BIN --explain --no-symbolicate "$A/reports.zip!intel-legacy.panic" > "$T/ex.out" 2>&1
check "--explain reads a member" grep -q '^status   ok' "$T/ex.out"
$BIN --trace --no-symbolicate "$SD/panic-full-2024-01-01-000000.0002.panic" > "$T/tr.out" 2>&1
check "--trace reads a member of a tar.gz" grep -q 'kernel\|0x' "$T/tr.out"
$BIN --explain --no-symbolicate "$A/reports.zip" > "$T/ex2.out" 2>&1
check "--explain of an archive asks for a member" grep -q 'ARCHIVE!MEMBER' "$T/ex2.out"

# pass 1 and learning see members: a tar.gz of the fixture reports symbolicates as they do
FX=${KPT_FIXTURES:-$SRC/build/fixtures}
if [ -d "$FX/kdks" ]; then
    mkdir -p "$T/fxl" && cp "$FX"/reports/* "$T/fxl/" && (cd "$T/fxl" && tar czf "$T/fx.tar.gz" .)
    $K --kdk-root "$FX/kdks" --kext "$FX/kexts" --no-cache --reports-csv "$T/fxa.csv" -o /dev/null "$T/fxl" 2>/dev/null
    $K --kdk-root "$FX/kdks" --kext "$FX/kexts" --no-cache --reports-csv "$T/fxb.csv" -o /dev/null "$T/fx.tar.gz" 2>/dev/null
    # (the members are named ./FILE: compare everything after the path)
    cut -d, -f2- "$T/fxa.csv" | sort > "$T/fxa.rows"
    grep -v "^$T/fx.tar.gz," "$T/fxb.csv" | cut -d, -f2- | sort > "$T/fxb.rows"
    check "a tar.gz of the fixture reports symbolicates and signs as the loose files" cmp -s "$T/fxa.rows" "$T/fxb.rows"
else
    echo "# SKIP symbolicated members: no fixtures in $FX (make fixtures)"
fi

# --- hostile archives: each a row with its reason, never the run
H=$T/hostile
mkdir -p "$H"
python3 - "$H" "$P" <<'PY'
import io, os, sys, tarfile, zipfile
h, panic = sys.argv[1], sys.argv[2]
rep = open(panic, "rb").read()
# a zip bomb: 30 MB of zeros in a member, past --max-file-bytes (1 MB here), a report after it
with zipfile.ZipFile(os.path.join(h, "bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.panic", "w") as m:
        for i in range(30):
            m.write(bytes(1 << 20))
    z.writestr("after.panic", rep)
# names that are no paths: traversal, absolute, control bytes, no UTF-8, very long
with tarfile.open(os.path.join(h, "names.tar"), "w", format=tarfile.GNU_FORMAT) as t:
    for n in ["../../escape.panic", "/etc/abs.panic", "new\nline\x1b[31m.panic",
              "bad-\udcff-utf8.panic", "x" * 3000 + ".panic"]:
        ti = tarfile.TarInfo(n.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape"))
        ti.size = len(rep)
        t.addfile(ti, io.BytesIO(rep))
# nested four deep: zip in zip in zip in zip
inner = rep
for lvl in range(4):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("level%d.%s" % (3 - lvl, "panic" if lvl == 0 else "zip"), inner)
    inner = b.getvalue()
open(os.path.join(h, "nested.zip"), "wb").write(inner)
# a tar.gz cut short, after its first member
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w:gz") as t:
    for i in range(3):
        ti = tarfile.TarInfo("r%d.panic" % i); ti.size = len(rep) + 20000
        t.addfile(ti, io.BytesIO(rep + b"\n" * 20000))
d = b.getvalue()
open(os.path.join(h, "cut.tar.gz"), "wb").write(d[: len(d) // 2])
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w") as t:
    for i in range(3):
        ti = tarfile.TarInfo("r%d.panic" % i); ti.size = len(rep) + 20000
        t.addfile(ti, io.BytesIO(rep + b"\n" * 20000))
d = b.getvalue()
m = 512 + (len(rep) + 20000 + 511) // 512 * 512
open(os.path.join(h, "cut.tar"), "wb").write(d[: 2 * m + 2000])
# a zip whose central directory is garbage
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a.panic", rep)
    z.writestr("b.panic", rep)
d = bytearray(b.getvalue())
cd = d.find(b"PK\x01\x02")
d[cd + 4: cd + 60] = os.urandom(56)
open(os.path.join(h, "badcd.zip"), "wb").write(bytes(d))
# many members (past --max-members 50)
with tarfile.open(os.path.join(h, "many.tar"), "w") as t:
    for i in range(60):
        ti = tarfile.TarInfo("m%02d.log" % i); ti.size = 3
        t.addfile(ti, io.BytesIO(b"abc"))
PY
(cd "$T/zipsrc" && zip -q -P secret "$H/encrypted.zip" intel-legacy.panic)
mkfifo "$H/fifo.tar.gz"
head -c 3000 /dev/urandom > "$H/noise.zip"; printf 'PK\003\004' | dd of="$H/noise.zip" conv=notrunc 2>/dev/null
timeout 120 $K --max-file-bytes 1000000 --max-members 50 --reports-csv "$T/ho.csv" -o "$T/ho.md" "$H" 2>/dev/null
rc=$?
[ $rc = 1 ] && ok "hostile archives: the run ends, exit 1 (rejected rows)" || no "hostile archives: the run ends, exit 1 (got $rc)"
status_is "a zip bomb's member is rejected at the size limit" "$T/ho.csv" "$H/bomb.zip!zeros.panic" rejected "file size limit"
status_is "the member after the bomb is read" "$T/ho.csv" "$H/bomb.zip!after.panic" ok
status_is "a traversal name is only a name" "$T/ho.csv" "$H/names.tar!../../escape.panic" ok
status_is "an absolute name is only a name" "$T/ho.csv" "$H/names.tar!/etc/abs.panic" ok
# (a name is shown as any file's: ESC as \x1b once, the line end inside the quoted cell, a
# byte that is no UTF-8 as \xff in the lossless form; issue 30, 11)
python3 - "$T/ho.csv" "$H" <<'PY' && ok "control bytes and bytes that are no UTF-8 in names are escaped once" || no "names escaped once"
import csv, sys
rows = {r[0]: r[1] for r in csv.reader(open(sys.argv[1], newline=""))}
h = sys.argv[2]
sys.exit(not (rows.get(h + "/names.tar!new\nline\\x1b[31m.panic") == "ok" and
              rows.get(h + "/names.tar!bad-\\xff-utf8.panic") == "ok"))
PY
check "a long name is cut" grep -q 'names.tar!xxxx*\.\.\.(name cut),ok' "$T/ho.csv"
check "nothing was written outside" sh -c "[ ! -e '$T/escape.panic' ] && [ ! -e /etc/abs.panic ]"
status_is "nesting past three levels is a row with its reason" "$T/ho.csv" "$H/nested.zip!level0.zip!level1.zip!level2.zip" rejected "depth limit"
status_is "a tar.gz cut short is rejected with its reason" "$T/ho.csv" "$H/cut.tar.gz" rejected "cut short"
status_is "a tar cut short is rejected with its reason" "$T/ho.csv" "$H/cut.tar" rejected "damaged"
status_is "... the members before the cut are read" "$T/ho.csv" "$H/cut.tar!r1.panic" ok
status_is "... the member cut is rejected" "$T/ho.csv" "$H/cut.tar!r2.panic" rejected
got=$(row "$T/ho.csv" "$H/badcd.zip"); case $got in rejected,*|skipped,*) ok "a corrupt central directory: the archive has a row ($got)" ;; *) no "a corrupt central directory: the archive has a row (got: $got)" ;; esac
status_is "an encrypted member is rejected with its reason" "$T/ho.csv" "$H/encrypted.zip!intel-legacy.panic" rejected "encrypted"
status_is "a FIFO named like an archive is not opened" "$T/ho.csv" "$H/fifo.tar.gz" rejected "FIFO"
status_is "past --max-members the archive says so" "$T/ho.csv" "$H/many.tar" rejected "member limit"
got=$(row "$T/ho.csv" "$H/noise.zip"); case $got in rejected,*) ok "noise behind a zip signature is rejected" ;; *) no "noise behind a zip signature is rejected (got: $got)" ;; esac
$K --max-archive-bytes 2000000 --reports-csv "$T/tot.csv" -o /dev/null "$H/bomb.zip" 2>/dev/null
status_is "past --max-archive-bytes the archive says so" "$T/tot.csv" "$H/bomb.zip" rejected "archive size limit"

# --- a tree 20,000 levels deep (issue 20 item 4): walked with an explicit stack, every file
# of it read, the one beside the deep branch too (the walk comes back up through 20,000 levels)
python3 - "$T/deep" "$P" <<'PY'
import os, shutil, sys
root, panic = sys.argv[1], sys.argv[2]
os.mkdir(root)
shutil.copy(panic, os.path.join(root, "top.panic"))
fd = os.open(root, os.O_RDONLY)
for i in range(20000):
    os.mkdir("d", dir_fd=fd)
    if i == 100:  # beside the branch, visited after it ("d" < "z.panic")
        w = os.open("z.panic", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(w, open(panic, "rb").read())
        os.close(w)
    nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
w = os.open("bottom.panic", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(w, open(panic, "rb").read())
os.close(w)
os.close(fd)
PY
timeout 120 $K --reports-csv "$T/deep.csv" -o /dev/null "$T/deep" 2>/dev/null
rc=$?
[ $rc = 0 ] && ok "a tree 20,000 levels deep is walked (exit 0)" || no "a tree 20,000 levels deep is walked (got $rc)"
n=$(grep -c ',ok,' "$T/deep.csv")
[ "$n" = 3 ] && ok "its three reports are read, the deepest one too" || no "its three reports are read (got $n)"
check "the deepest file's row names its whole path" sh -c "awk -F, 'length(\$1) > 40000 && \$2 == \"ok\"' '$T/deep.csv' | grep -q ."
rm -rf "$T/deep" 2>/dev/null || find "$T/deep" -depth -delete

echo "# inputs: $pass passed, $fail failed"
[ $fail = 0 ]
