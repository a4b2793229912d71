#!/bin/sh
# bench/bench.sh BINARY FIXTURES [N] - figures, not tests: one line each.
#   ingest+cluster without symbols (legacy Intel text), reports/s and MB/s on one core;
#   a symbolicated run over N reports against 1 KDK kernel and against 3, cold and warm cache;
#   the seed script's way (one lldb per report) timed on a sample and extrapolated.
set -eu
BIN=$1 FX=$2 N=${3:-1000}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SYM="--kdk-root $FX/kdks --kext $FX/kexts"
. "$(cd "$(dirname "$0")/.." && pwd)/tests/cli/compat.sh" # now, timed, rss
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # big_hang
secs() { echo "$2 - $1" | bc -l; }
# one core for the single-core figure, where the system can pin (Linux)
ONE_CORE=; command -v taskset >/dev/null 2>&1 && ONE_CORE="taskset -c 0" # portable: taskset only where it exists
fleet() { # fleet DIR COUNT FILE...: COUNT copies, round-robin over the FILEs, 100 per folder
    # (copies, not links: a file reached by two paths is one input)
    d=$1 c=$2; shift 2
    i=0
    while [ "$i" -lt "$c" ]; do
        for f in "$@"; do
            [ "$i" -lt "$c" ] || break
            mkdir -p "$d/$((i / 100))"
            cp "$f" "$d/$((i / 100))/r$i.${f##*.}"
            i=$((i + 1))
        done
    done
}

# 1. ingest + cluster, no symbols, one core: 20,000 legacy text reports
fleet "$T/text" 20000 "$FX/reports/intel-legacy.panic" "$FX/reports/intel-mismatch.panic"
mb=$(du -sk "$T/text" | awk '{ printf "%.1f", $1 / 1024 }')
t0=$(now)
timed "$T/t1" $ONE_CORE "$BIN" -q --no-symbolicate -o /dev/null "$T/text" || true
t1=$(now)
s=$(secs "$t0" "$t1")
printf 'ingest+cluster, no symbols: 20000 reports (%s MB) in %.2f s = %.0f reports/s, %.1f MB/s, peak RSS %s MB\n' \
    "$mb" "$s" "$(echo "20000 / $s" | bc -l)" "$(echo "$mb / $s" | bc -l)" "$(rss "$T/t1")"

# 1b. memory at fleet scale: 100,000 reports, no symbols
fleet "$T/big" 100000 "$FX/reports/intel-legacy.panic" "$FX/reports/arm64-full.ips" "$FX/reports/intel-mismatch.panic" "$FX/reports/arm64-dialog.txt"
t0=$(now)
timed "$T/t1b" "$BIN" -q --no-symbolicate -o /dev/null --reports-csv /dev/null "$T/big" || true
t1=$(now)
printf 'ingest+cluster, 100,000 reports (mixed formats): %.2f s, peak RSS %s MB\n' "$(secs "$t0" "$t1")" "$(rss "$T/t1b")"
rm -rf "$T/big"

# 1c. -j scaling with two KDK kernels (one lldb each)
fleet "$T/k2" "$N" "$FX/reports/intel-legacy.panic" "$FX/reports/arm64-dialog.txt"
for j in 1 2; do
    rm -rf "$T/cache"
    t0=$(now)
    "$BIN" -q -j "$j" $SYM --cache "$T/cache" -o /dev/null "$T/k2" 2>/dev/null || true
    t1=$(now)
    eval "t2k_$j=$(secs "$t0" "$t1")"
done
printf 'symbolicated, 2 KDK kernels, cold: -j1 %.2f s, -j2 %.2f s (speed-up %.2fx)\n' "$t2k_1" "$t2k_2" "$(echo "$t2k_1 / $t2k_2" | bc -l)"

# 2. symbolicated runs, 1 KDK kernel and 3, cold then warm cache
fleet "$T/k1" "$N" "$FX/reports/intel-legacy.panic" "$FX/reports/intel-plist.plist" "$FX/reports/intel-crlf.txt.gz"
fleet "$T/k3" "$N" "$FX/reports/intel-legacy.panic" "$FX/reports/arm64-dialog.txt" "$FX/reports/intel-other.panic"
for k in 1 3; do
    for j in 1 2; do
        for c in cold warm; do
            [ "$c" = cold ] && rm -rf "$T/cache"
            t0=$(now)
            timed "$T/t2" "$BIN" -q -v -j "$j" $SYM --cache "$T/cache" -o /dev/null "$T/k$k" || true
            t1=$(now)
            s=$(secs "$t0" "$t1")
            printf 'symbolicated, %s KDK kernel(s), -j%s, %s cache: %s reports in %.2f s = %.0f reports/s, peak RSS %s MB; %s\n' \
                "$k" "$j" "$c" "$N" "$s" "$(echo "$N / $s" | bc -l)" "$(rss "$T/t2")" \
                "$(grep -o '[0-9]* distinct lookups.*started' "$T/t2")"
            [ "$k$j$c" = 3_1cold ] || true
            eval "t_${k}_${j}_${c}=$s"
        done
    done
done

# 2b. hangs: watchdog .ips with 1 MB stackshot bodies (a fixture hang padded with 750
# processes of 5 threads, 20 kernel frames each), symbolicated; then 10,000 of them gzipped
# (1 MB each once decompressed), no symbols, to show memory stays flat
big_hang "$FX/hangs/hang-016-WindowServer-foonic-T-plain.ips" > "$T/big-hang.ips"
hb=$(wc -c < "$T/big-hang.ips")
fleet "$T/h1" "$N" "$T/big-hang.ips"
rm -rf "$T/cache"
t0=$(now)
timed "$T/th" "$BIN" -q -v $SYM --cache "$T/cache" --reports-csv "$T/h1.csv" -o /dev/null "$T/h1" || true
t1=$(now)
s=$(secs "$t0" "$t1")
printf 'hangs, %s watchdog .ips of %s bytes (stackshot), symbolicated, cold: %.2f s = %.0f reports/s (%.1f MB/s, two passes), peak RSS %s MB; %s; hang keys: %s distinct\n' \
    "$N" "$hb" "$s" "$(echo "$N / $s" | bc -l)" "$(echo "$N * $hb / 1048576 / $s" | bc -l)" "$(rss "$T/th")" \
    "$(grep -o '[0-9]* distinct lookups.*started' "$T/th")" "$(awk -F, 'NR > 1 { print $(NF-1) }' "$T/h1.csv" | sort -u | wc -l)"
rm -rf "$T/h1"
gzip -9c "$T/big-hang.ips" > "$T/big-hang.ips.gz"
for c in 1000 10000; do
    fleet "$T/h$c" "$c" "$T/big-hang.ips.gz"
    t0=$(now)
    timed "$T/th$c" "$BIN" -q --no-symbolicate -o /dev/null "$T/h$c" || true
    t1=$(now)
    s=$(secs "$t0" "$t1")
    printf 'hangs, %s gzipped watchdog .ips (1 MB stackshot each), no symbols: %.2f s = %.0f reports/s, peak RSS %s MB\n' \
        "$c" "$s" "$(echo "$c / $s" | bc -l)" "$(rss "$T/th$c")"
    rm -rf "$T/h$c"
done

# 2c. a triage machine's KDK root: 12 KDKs x 9 kernels x 400 kexts with dSYMs (copies of the
# fixtures, fresh UUIDs), against only the KDKs the reports need; cold symbol cache each time
if [ -x "${UUIDFIX:-}" ]; then
    sh "$(dirname "$0")/kdkroot.sh" "$T/kroot" "$FX" "$UUIDFIX" 12 9 400 >/dev/null
    mkdir -p "$T/own1" "$T/own4"
    cp -r "$FX/kdks/KDK_13.5_22G74.kdk" "$T/own1/"
    OBJDUMP=$(command -v llvm-objdump || command -v llvm-objdump-16 || command -v llvm-objdump-14)
    uuid() { "$OBJDUMP" --macho --private-headers --arch="$2" "$1" 2>/dev/null | awk '/uuid/ { print $2; exit }'; }
    S_OLD=$(uuid "$FX/kdks/KDK_13.5_22G74.kdk/System/Library/Extensions/FixtureStorage.kext/Contents/MacOS/FixtureStorage" arm64)
    mkdir -p "$T/r4"
    cp "$FX/reports/arm64-dialog.txt" "$FX/reports/intel-other.panic" "$T/r4/"
    for k in 1 2; do
        d=$T/kroot/KDK_13.$k.1_22H$((100 + k)).kdk
        ln -s "$d" "$T/own4/"
        sed -e "s/^OS version: 22G74/OS version: 22H$((100 + k))/" \
            -e "s/^Kernel UUID: .*/Kernel UUID: $(uuid "$d/System/Library/Kernels/kernel.release.t6000" arm64)/" \
            -e "s/\[$S_OLD\]/[$(uuid "$d/System/Library/Extensions/FixtureStorage.kext/Contents/MacOS/FixtureStorage" arm64)]/" \
            "$FX/reports/arm64-dialog.txt" > "$T/r4/arm64-22H$((100 + k)).txt"
    done
    ln -s "$T/kroot/KDK_13.5_22G74.kdk" "$FX/kdks/KDK_13.6_22G120.kdk" "$T/own4/"
    ln -s "$FX/kdks/KDK_13.6_22G120.kdk" "$T/kroot/" # the Intel report's KDK: 13 in the root
    one() { # one ROOT INPUT: seconds of a cold run
        rm -rf "$T/kcache"
        t0=$(now)
        "$BIN" -q $2 --kdk-root "$1" --kext "$FX/kexts" --cache "$T/kcache" -o /dev/null "$3" 2>/dev/null || true
        secs "$t0" "$(now)"
    }
    best() { # the best of three
        b=; for _ in 1 2 3; do x=$(one "$@"); if [ -z "$b" ] || [ "$(echo "$x < $b" | bc)" = 1 ]; then b=$x; fi; done; echo "$b"
    }
    a1=$(best "$T/own1" "" "$FX/reports/arm64-dialog.txt")
    a12=$(best "$T/kroot" "" "$FX/reports/arm64-dialog.txt")
    printf 'KDK root of 12 KDKs x 9 kernels x 400 kexts: one report %.3f s, against its own KDK alone %.3f s (%.2fx; target <= 1.5x)\n' \
        "$a12" "$a1" "$(echo "$a12 / $a1" | bc -l)"
    fleet "$T/r1200" 1200 "$T"/r4/*
    b4=$(best "$T/own4" "" "$T/r1200")
    b12=$(best "$T/kroot" "" "$T/r1200")
    printf 'KDK root of 13 KDKs: 1,200 reports over 4 of them %.2f s, with only those 4 installed %.2f s (%.2fx; target <= 1.3x)\n' \
        "$b12" "$b4" "$(echo "$b12 / $b4" | bc -l)"
    rm -rf "$T/kroot" "$T/r1200"
else
    echo "KDK root of 12 KDKs: skipped (UUIDFIX=build/uuidfix is not built)"
fi

# 2d. a kernel of real size: 100,000 functions with DWARF (a real kernel's dSYM is hundreds of
# MB); lldb's load time and RSS for one session, and how many workers memory allows
CLANG=${CLANG:-clang}
LD=$(command -v ld64.lld || echo /usr/lib/llvm-16/bin/ld64.lld)
[ "$(uname -s)" = Darwin ] && LD=ld
DSYMUTIL=$(command -v dsymutil || command -v dsymutil-16 || command -v dsymutil-14)
LLDB=$(command -v lldb || command -v lldb-16 || command -v lldb-15 || command -v lldb-14)
if [ -x "${MACHOFIX:-}" ] && [ -n "$LLDB" ] && [ -n "$DSYMUTIL" ]; then
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "__attribute__((noinline)) int big_fn_%d(int x) { volatile int v = x + %d; return v * 3; }\n", i, i;
                 print "int start(void) { return big_fn_0(1); }" }' > "$T/big.c"
    t0=$(now)
    "$CLANG" -x c -target arm64-apple-macos11 -g -Os -ffreestanding -fno-asynchronous-unwind-tables -fno-unwind-tables \
        -c "$T/big.c" -o "$T/big.o"
    "$LD" -arch arm64 -platform_version macos 11.0 11.0 -e _start -rename_section __TEXT __text __TEXT_EXEC __text \
        -o "$T/bigkernel" "$T/big.o"
    "$MACHOFIX" "$T/bigkernel" 0xfffffe0007004000
    "$DSYMUTIL" "$T/bigkernel" -o "$T/bigkernel.dSYM"
    build_s=$(secs "$t0" "$(now)")
    dw=$(du -sk "$T/bigkernel.dSYM" | awk '{ printf "%.1f", $1 / 1024 }')
    NMX=$(command -v llvm-nm || command -v llvm-nm-16 || command -v llvm-nm-14 || command -v nm)
    addr=$("$NMX" "$T/bigkernel" | awk '$3 == "_big_fn_50000" { print "0x" $1 }')
    t0=$(now)
    timed "$T/tl" "$LLDB" --batch --no-lldbinit -o "target create '$T/bigkernel'" \
        -o "image lookup -v -a $addr+8" >"$T/lookup.out" 2>&1 || true
    load_s=$(secs "$t0" "$(now)")
    per=$(( $(du -sk "$T/bigkernel.dSYM/Contents/Resources/DWARF/bigkernel" | awk '{ print $1 }') * 3 / 1024 + 256 ))
    printf 'large dSYM: 100,000 functions (dSYM %s MB, built in %.0f s): lldb session start and one lookup %.2f s, lldb RSS %s MB (%s); a worker is budgeted 3x the DWARF + 256 MB = %s MB\n' \
        "$dw" "$build_s" "$load_s" "$(rss "$T/tl")" "$(grep -q big_fn_50000 "$T/lookup.out" && echo named || echo NOT named)" "$per"
else
    echo "large dSYM: skipped (MACHOFIX, lldb or dsymutil missing)"
fi

# 3. the seed script's way: one lldb per report, timed on 10 reports and extrapolated
ln -sf "$BIN" "$T/kptrace"
t0=$(now)
n=0
for f in $(ls "$T"/k3/0/* | head -10); do
    n=$((n + 1))
    # no warm symbol cache: the seed script had none
    XDG_CACHE_HOME="$T/nocache$n" "$T/kptrace" -report "$f" -kdk "$FX/kdks/KDK_13.5_22G74.kdk" -kdk "$FX/kdks/KDK_13.6_22G120.kdk" -kext "$FX/kexts" >/dev/null 2>&1 || true
done
t1=$(now)
per=$(echo "($(secs "$t0" "$t1")) / 10" | bc -l)
old=$(echo "$per * $N" | bc -l)
printf 'one lldb per report (seed script way): %.3f s per report, %.0f s for %s reports (extrapolated); batch cold 3 KDKs -j2 is %.0fx faster, warm %.0fx\n' \
    "$per" "$old" "$N" "$(echo "$old / $t_3_2_cold" | bc -l)" "$(echo "$old / $t_3_2_warm" | bc -l)"
