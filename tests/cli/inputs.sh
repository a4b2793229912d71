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
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
P=$SRC/tests/data/intel-legacy.panic
K="$BIN -q --no-symbolicate"

# row FILE PATH: the status and error of PATH's row in reports CSV FILE
row() { awk -F, -v p="$2" '$1 == p { print $2 "," $12 }' "$1"; }
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
for f in tool.elf build-info.json notes.md random.bin uname.txt; do
    status_is "look-alike $f is not a report" "$T/la.csv" "$L/$f" rejected "not a panic report"
done
check "no look-alike is clustered" sh -c "! grep -q 'generic' '$T/la.md'"
n=$(sqlite3 "$T/la.db" 'select count(*) from reports' 2>/dev/null)
[ "${n:-0}" = 0 ] && ok "no look-alike is recorded in the history" || no "no look-alike is recorded in the history (got $n)"
# ... while report variants without a 'panic(cpu' line still are reports
mkdir -p "$T/variants"
printf 'Panic(CPU 4): NMIPI for spinlock acquisition timeout\nBacktrace (CPU 4), Frame : Return Address\n0xffffff80e4ac8d00 : 0xffffff8001e22f79 \n' > "$T/variants/nmipi.txt"
# (a machine check without a panic line, mca.txt: issue 19 makes the reader accept it)
{ printf 'Kernel version:\nDarwin Kernel Version 21.6.0: Mon Dec 19 20:44:01 PST 2022; root:xnu-8020.240.18~2/RELEASE_X86_64\n';
  printf 'Kernel UUID: 33C30416-3302-3FFF-9686-A557DED28C5B\nKernel slide:      0x0000000000810000\nKernel text base:  0xffffff8000a10000\n'; } > "$T/variants/tail.txt"
printf '{\n  "build" : "macOS 14.0 (23A344)",\n  "panicString" : "panic(cpu 0 caller 0xfffffe0012d44070): x"\n}\n' > "$T/variants/body.txt"
$K --reports-csv "$T/va.csv" -o /dev/null "$T/variants" 2>/dev/null
for f in nmipi.txt tail.txt body.txt; do
    got=$(row "$T/va.csv" "$T/variants/$f")
    case $got in ok,*|partial,*) ok "variant $f is a report" ;; *) no "variant $f is a report (got: $got)" ;; esac
done

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
