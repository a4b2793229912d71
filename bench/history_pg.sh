#!/bin/sh
# bench/history_pg.sh BINARY FIXTURES [N] - --history into a local PostgreSQL (a throwaway
# server on a Unix socket, started here): a first night recording N distinct reports
# (default 100,000) and a second night over the same N (all known), each against the same
# run without a history, best of three; both ratios printed (target <= 1.5x), in wall time,
# and the CPU time of the tool and of the server (user + system: its backend, and its
# writers and checkpointer).
set -eu
BIN=$1 FX=$2 N=${3:-100000}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
. "$SRC/tests/cli/compat.sh" # now, timed
. "$SRC/bench/lib.sh"        # fleet
. "$SRC/tests/cli/pgserver.sh"
trap 'pg_stop; rm -rf "$T"' EXIT
pg_start "$T/pg" || exit 1
psql_admin "CREATE ROLE kpt LOGIN PASSWORD 'bench-pw'" >/dev/null
secs() { echo "$2 - $1" | bc -l; }
least() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
cpu() {
    awk '/User time \(seconds\)/ { u = $4 } /System time \(seconds\)/ { s = $4 }
         / real .* user .* sys/ { u = $3; s = $5 } END { printf "%.3f\n", u + s }' "$1"
}
# the server's CPU seconds so far: the postmaster's own and its reaped children's, and its
# live children's (Linux /proc; 0 elsewhere)
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
srv_cpu() {
    pm=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || echo 0)
    [ -r "/proc/$pm/stat" ] || { echo 0; return; } # portable: /proc only on Linux; elsewhere the server CPU is 0 (not measured)
    for p in $pm $(pgrep -P "$pm"); do cat "/proc/$p/stat" 2>/dev/null; done | # portable: as above
        awk -v pm="$pm" -v hz="$HZ" '{ sub(/^.*\) /, ""); t += $12 + $13; if ($0 ~ /./ && NR == 1) t += $14 + $15 }
                                     END { printf "%.3f\n", t / hz }'
}
CL=${BENCH_HISTORY_CLUSTERS:-500}
fleet "$T/fleet" 0 "$N" "$CL"
base= first= second= cbase= cfirst= csecond= sfirst= ssecond=
for i in 1 2 3; do
    psql_admin "CREATE DATABASE b$i OWNER kpt" >/dev/null
    U="postgresql://kpt:bench-pw@/b$i?host=$PG_SOCK"
    t0=$(now); timed "$T/r0" "$BIN" -q --no-symbolicate -o /dev/null "$T/fleet" || true
    base=$(least "$base" "$(secs "$t0" "$(now)")"); cbase=$(least "$cbase" "$(cpu "$T/r0")")
    s0=$(srv_cpu); t0=$(now); timed "$T/r1" "$BIN" -q --no-symbolicate --history "$U" -o /dev/null "$T/fleet" || true
    first=$(least "$first" "$(secs "$t0" "$(now)")"); cfirst=$(least "$cfirst" "$(cpu "$T/r1")")
    sleep 0.2; sfirst=$(least "$sfirst" "$(secs "$s0" "$(srv_cpu)")")
    s0=$(srv_cpu); t0=$(now); timed "$T/r2" "$BIN" -q --no-symbolicate --history "$U" -o /dev/null "$T/fleet" || true
    second=$(least "$second" "$(secs "$t0" "$(now)")"); csecond=$(least "$csecond" "$(cpu "$T/r2")")
    sleep 0.2; ssecond=$(least "$ssecond" "$(secs "$s0" "$(srv_cpu)")")
done
rows=$(psql -X -At "postgresql://kpt:bench-pw@/b1?host=$PG_SOCK" -c 'SELECT count(*) FROM reports')
known=$(psql -X -At "postgresql://kpt:bench-pw@/b1?host=$PG_SOCK" -c 'SELECT known_reports FROM runs ORDER BY id DESC LIMIT 1')
printf 'history on PostgreSQL, night 1: %d reports in %.2f s, without a history %.2f s (best of three): %.2fx (target <= 1.5x); %d report rows\n' \
    "$N" "$first" "$base" "$(echo "$first / $base" | bc -l)" "$rows"
printf 'history on PostgreSQL, night 2 (all %d known): %.2f s: %.2fx (target <= 1.5x); the run says %d known\n' \
    "$N" "$second" "$(echo "$second / $base" | bc -l)" "$known"
printf 'history on PostgreSQL in CPU time (user + system, best of three): without %.2f s; night 1 the tool %.2f s + the server %.2f s = %.2fx; night 2 %.2f s + %.2f s = %.2fx\n' \
    "$cbase" "$cfirst" "$sfirst" "$(echo "($cfirst + $sfirst) / $cbase" | bc -l)" \
    "$csecond" "$ssecond" "$(echo "($csecond + $ssecond) / $cbase" | bc -l)"
