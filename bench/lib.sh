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
