# bench/lib.sh - the generated inputs the bench scripts share (sourced; FX is the fixtures).

# fleet DIR FIRST COUNT CLUSTERS: COUNT distinct reports numbered from FIRST, each the
# fixtures' intel-legacy.panic from its own machine (anonymous UUID), over CLUSTERS distinct
# crashes (a word in the panic message; 0: every report its own crash), 100 a folder
fleet() {
    awk -v dir="$1" -v first="$2" -v count="$3" -v cl="$4" -v tpl="$FX/reports/intel-legacy.panic" 'BEGIN {
        while ((getline l < tpl) > 0) t = t l "\n"
        for (i = first; i < first + count; i++) {
            w = sprintf("%d", cl ? i % cl : i); gsub(/0/, "a", w); gsub(/1/, "b", w); gsub(/2/, "c", w)
            gsub(/3/, "d", w); gsub(/4/, "e", w); gsub(/5/, "f", w); gsub(/6/, "g", w)
            gsub(/7/, "h", w); gsub(/8/, "i", w); gsub(/9/, "j", w)
            s = t
            sub(/00000000-1111-4222-8333-444444444444/, sprintf("%08d-1111-4222-8333-%012d", i % 1000, i), s)
            sub(/storage queue stalled/, "storage queue " w " stalled", s)
            d = dir "/" int(i / 100)
            if (!(d in made)) { system("mkdir -p " d); made[d] = 1 }
            f = d "/r" i ".panic"
            printf "%s", s > f
            close(f)
        } }'
}

# big_hang IPS: the hang report IPS with its processByPid padded to ~1 MB (750 processes of
# 5 threads, 20 kernel frames each), on stdout
big_hang() {
    awk 'BEGIN { for (p = 1000; p < 1750; p++) {
                     s = s sprintf("\"%d\":{\"pid\":%d,\"procname\":\"filler%d\",\"threadById\":{", p, p, p)
                     for (t = 0; t < 5; t++) {
                         s = s sprintf("%s\"%d\":{\"id\":%d,\"state\":[\"TH_WAIT\"],\"kernelFrames\":[", t ? "," : "", p * 10 + t, p * 10 + t)
                         for (f = 0; f < 20; f++) s = s sprintf("%s[0,%d]", f ? "," : "", 16384 + f * 4)
                         s = s "]}"
                     }
                     s = s "}},"
                 } }
         /"processByPid" : \{/ { sub(/"processByPid" : \{/, "\"processByPid\" : {" s) } { print }' "$1"
}

# fleet4k DIR COUNT: COUNT text reports of about 4 KB, as a fleet's Macs write them, 100 a
# folder: every other one the fixtures' Intel legacy .panic, the others their Apple silicon
# panic text, each from its own machine, with a longer backtrace (12 or 24 frames), the
# uptime and last kext lines and a list of 56 loaded kexts (names made up from a few words)
# after it; 60 distinct crashes a format (a word in the Intel panic message, a frame of the
# Apple silicon one). No symbols needed: the figure is ingest and signing.
fleet4k() {
    awk -v dir="$1" -v count="$2" -v ti="$FX/reports/intel-legacy.panic" -v ta="$FX/reports/arm64-dialog.txt" 'BEGIN {
        while ((getline l < ti) > 0) {
            if (l ~ /^0xffffff90b1c2d180 : /)  # five more kernel frames below the last one
                for (k = 0; k < 5; k++) it = it sprintf("0xffffff90b1c2d%x : 0xffffff8001e00%x \n", 448 + 64 * k, 776 + 52 * k)
            it = it l "\n"
        }
        while ((getline l < ta) > 0) {
            if (l ~ /lr: 0xfffffe0012d44100/)  # twelve more, and the frame a crash varies
                for (k = 0; k < 12; k++) at = at sprintf("\t\t  lr: 0xfffffe0012d44%03x  fp: 0xfffffe8820216%03x\n", 772 + 28 * k, 1648 + 16 * k)
            at = at l "\n"
        }
        split("driver iokit filesystems kext security nke", fam, " ")
        split("Apple Fixture Storage Audio HID USB PCI ACPI SMC Graphics Network Thunderbolt Bluetooth Power Sensor", w, " ")
        for (k = 0; k < 70; k++)
            kx[k] = sprintf("com.apple.%s.%s%s%s\t%d.%d.%d", fam[k % 6 + 1], w[k % 15 + 1], w[(k * 7) % 15 + 1],
                            k % 4 ? "" : "Family", 1 + k % 9, (k * 3) % 20, k % 5)
        for (i = 0; i < count; i++) {
            c = i % 60
            if (i % 2 == 0) {
                s = it
                sub(/00000000-1111-4222-8333-444444444444/, sprintf("%08d-1111-4222-8333-%012d", i % 1000, i), s)
                sub(/storage queue stalled/, "storage queue " substr("abcdefghijklmnopqrstuvwxyz", c % 26 + 1, 1) int(c / 26) " stalled", s)
                s = s sprintf("\nSystem uptime in nanoseconds: %.0f\n", 481431163814 + i * 7919)
                s = s sprintf("last loaded kext at %.0f: %s (addr 0xffffff7f846e4000, size 49152)\n", 404725715736 + i, kx[i % 70])
                s = s sprintf("last unloaded kext at %.0f: %s (addr 0xffffff7f82b1f000, size 65536)\nloaded kexts:\n", 362464468768 + i, kx[(i + 9) % 70])
            } else {
                s = at
                sub(/lr: 0xfffffe0012d44100/, sprintf("lr: 0xfffffe0012d44%03x", 256 + 4 * c), s)
                sub(/pid 322: fixtured/, sprintf("pid %d: fixtured", 100 + i % 900), s)
                s = s sprintf("\nlast started kext at %.0f: %s (addr 0xfffffe00122b1780, size 5883)\nloaded kexts:\n", 2419316759788 + i, kx[i % 70])
            }
            for (k = 0; k < 56; k++)
                s = s kx[(k + i) % 70] "\n"
            d = dir "/" int(i / 100)
            if (!(d in made)) { system("mkdir -p " d); made[d] = 1 }
            f = d "/r" i (i % 2 ? ".txt" : ".panic")
            printf "%s", s > f
            close(f)
        } }'
}
