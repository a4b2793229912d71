#!/bin/sh
# bench/kdkroot.sh OUT FIXTURES UUIDFIX [KDKS KERNELS KEXTS] - a KDK root at a triage
# machine's scale from the fixtures: KDKS KDKs (default 12), each with KERNELS kernels
# (default 9: the fixture kernels and copies under the names real KDKs use) and KEXTS kexts
# with dSYMs (default 400), every copy with fresh UUIDs and its own bundle id. The first KDK
# is the fixtures' KDK_13.5_22G74 (its reports match it), the others are other builds.
set -eu
OUT=$1 FX=$2 UUIDFIX=$3 NK=${4:-12} NKERN=${5:-9} NX=${6:-400}
rm -rf "$OUT" && mkdir -p "$OUT"
seed=1
names="kernel.development.t6000 kernel.kasan.t6000 kernel.release.t6020 kernel.release.t6030 kernel.release.t8103 kernel.release.t8112 kernel.release.t8122 kernel.development kernel.kasan"
k=0
while [ "$k" -lt "$NK" ]; do
    if [ "$k" = 0 ]; then kdk=$OUT/KDK_13.5_22G74.kdk; else kdk=$OUT/KDK_13.$k.1_22H$((100 + k)).kdk; fi
    cp -r "$FX/kdks/KDK_13.5_22G74.kdk" "$kdk"
    L=$kdk/System/Library
    # kernels: the fixture's own (intel, arm64 t6000), then copies up to NKERN
    have=$(ls "$L/Kernels" | grep -vc dSYM)
    for n in $names; do
        [ "$have" -lt "$NKERN" ] || break
        case $n in *.t*) src=kernel.release.t6000 ;; *) src=kernel ;; esac
        cp "$L/Kernels/$src" "$L/Kernels/$n"
        mkdir -p "$L/Kernels/$n.dSYM/Contents/Resources/DWARF"
        cp "$L/Kernels/$src.dSYM/Contents/Resources/DWARF/$src" "$L/Kernels/$n.dSYM/Contents/Resources/DWARF/$n"
        "$UUIDFIX" "$seed" "$L/Kernels/$n" "$L/Kernels/$n.dSYM/Contents/Resources/DWARF/$n"
        seed=$((seed + 1)); have=$((have + 1))
    done
    if [ "$k" != 0 ]; then # another build: none of its binaries may match the fixtures' UUIDs
        for f in $(find "$L" -type f ! -name '*.plist'); do "$UUIDFIX" $((0x40000000 + k)) "$f" 2>/dev/null || true; done
    fi
    i=0
    while [ "$i" -lt "$NX" ]; do
        b=$L/Extensions/Filler$i.kext
        mkdir -p "$b/Contents/MacOS" "$L/Extensions/Filler$i.kext.dSYM/Contents/Resources/DWARF"
        cp "$FX/kexts/FooNIC.kext/Contents/MacOS/FooNIC" "$b/Contents/MacOS/FooNIC"
        sed "s/com.example.driver.FooNIC/com.apple.driver.Filler$i/" "$FX/kexts/FooNIC.kext/Contents/Info.plist" > "$b/Contents/Info.plist"
        cp "$FX/kexts/FooNIC.kext.dSYM/Contents/Resources/DWARF/FooNIC" "$L/Extensions/Filler$i.kext.dSYM/Contents/Resources/DWARF/FooNIC"
        "$UUIDFIX" $((0x1000000 * (k + 1) + i + 1)) "$b/Contents/MacOS/FooNIC" "$L/Extensions/Filler$i.kext.dSYM/Contents/Resources/DWARF/FooNIC"
        i=$((i + 1))
    done
    k=$((k + 1))
done
echo "kdkroot: $NK KDKs, $NKERN kernels and $NX kexts each, in $OUT ($(du -sh "$OUT" | cut -f1))"
