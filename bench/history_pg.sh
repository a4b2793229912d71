#!/bin/sh
# bench/history_pg.sh BINARY FIXTURES [N] - --history into a local PostgreSQL (a throwaway
# server on a Unix socket, started here): a first night recording N distinct reports
# (default 100,000) and a second night over the same N (all known), each against the same
# run without a history, best of three; both ratios printed (target <= 1.5x).
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
CL=${BENCH_HISTORY_CLUSTERS:-500}
fleet "$T/fleet" 0 "$N" "$CL"
base= first= second=
for i in 1 2 3; do
    psql_admin "CREATE DATABASE b$i OWNER kpt" >/dev/null
    U="postgresql://kpt:bench-pw@/b$i?host=$PG_SOCK"
    t0=$(now); timed "$T/r0" "$BIN" -q --no-symbolicate -o /dev/null "$T/fleet" || true
    base=$(least "$base" "$(secs "$t0" "$(now)")")
    t0=$(now); timed "$T/r1" "$BIN" -q --no-symbolicate --history "$U" -o /dev/null "$T/fleet" || true
    first=$(least "$first" "$(secs "$t0" "$(now)")")
    t0=$(now); timed "$T/r2" "$BIN" -q --no-symbolicate --history "$U" -o /dev/null "$T/fleet" || true
    second=$(least "$second" "$(secs "$t0" "$(now)")")
done
rows=$(psql -X -At "postgresql://kpt:bench-pw@/b1?host=$PG_SOCK" -c 'SELECT count(*) FROM reports')
known=$(psql -X -At "postgresql://kpt:bench-pw@/b1?host=$PG_SOCK" -c 'SELECT known_reports FROM runs ORDER BY id DESC LIMIT 1')
printf 'history on PostgreSQL, night 1: %d reports in %.2f s, without a history %.2f s (best of three): %.2fx (target <= 1.5x); %d report rows\n' \
    "$N" "$first" "$base" "$(echo "$first / $base" | bc -l)" "$rows"
printf 'history on PostgreSQL, night 2 (all %d known): %.2f s: %.2fx (target <= 1.5x); the run says %d known\n' \
    "$N" "$second" "$(echo "$second / $base" | bc -l)" "$known"
