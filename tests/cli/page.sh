#!/bin/sh
# tests/cli/page.sh BINARY FIXTURES - the --html page in a real browser: headless Chromium
# loads it from a fixture run (samples, the hang fleet, a hostile panic string), the rendered
# DOM holds every cluster, the page's script ran (it shows the filters) without an error,
# the hostile string stayed text, and a screenshot is taken.
set -u
BIN=$1 FX=$2
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $FX in /*) ;; *) FX=$(pwd)/$FX ;; esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/cli/compat.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
    echo "# SKIP the page test: no Chromium (make deps installs Debian's chromium)"
    [ -n "${CI:-}" ] && exit 1 # in CI the browser must be there
    exit 0
fi
mkdir -p "$T/in"
printf 'panic(cpu 0 caller 0xffffff8000201000): "<script>document.title=\047PWNED\047</script><img src=x onerror=\042document.title=\047PWNED\047\042> & \047\042"\nBacktrace (CPU 0), Frame : Return Address\n0x1 : 0xffffff8001e22f79 \nKernel slide:     0x0000000000000000\n' > "$T/in/hostile.panic"
timeout 120 "$BIN" -q --no-symbolicate --html "$T/page.html" --csv "$T/c.csv" -o /dev/null \
    "$SRC/samples" "$FX/hangs" "$T/in" 2>/dev/null
check "the page is written" test -s "$T/page.html"
check "no URL of any other origin in the page" sh -c "! grep -Eq '(src|href)=\"(https?:)?//' '$T/page.html'"
# the browser, with its network switched off as far as flags go, in a profile of its own
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
    --disable-component-update --disable-sync --user-data-dir=$T/profile --enable-logging=stderr --v=0"
timeout 120 "$CHROME" $flags --dump-dom "file://$T/page.html" >"$T/dom.html" 2>"$T/console.log"
check "Chromium renders the page" test -s "$T/dom.html"
ids=$(tr -d '\r' < "$T/c.csv" | awk -F, 'NR > 1 { print $2 }')
n=0 missing=0
for id in $ids; do n=$((n + 1)); grep -q "id=\"c-$id\"" "$T/dom.html" || missing=$((missing + 1)); done
check "the rendered DOM holds every cluster ($n)" sh -c "[ $n -gt 5 ] && [ $missing = 0 ]"
check "the page's script ran (the filters are shown)" grep -q '<div id="filters">' "$T/dom.html"
check "no script error in the console" sh -c "! grep -Ei 'Uncaught|SyntaxError|TypeError|ReferenceError' '$T/console.log'"
check "a hostile panic string stays text (no script ran, no element made)" \
    sh -c "! grep -q 'PWNED</title>' '$T/dom.html' && ! grep -q '<img' '$T/dom.html' && grep -q '&lt;script&gt;document.title' '$T/dom.html'"
timeout 120 "$CHROME" $flags --window-size=1280,1600 --screenshot="$T/page.png" "file://$T/page.html" >/dev/null 2>&1
check "a screenshot is taken" sh -c "[ \$(wc -c < '$T/page.png') -gt 10000 ]"
[ -n "${KPT_PAGE_SCREENSHOT:-}" ] && cp "$T/page.png" "$KPT_PAGE_SCREENSHOT"

# with a history: two nights, a triage note with markup in it; trends are inline SVG
"$BIN" -q --no-symbolicate --history "$T/h.db" -o /dev/null "$SRC/samples" 2>/dev/null
sig=$(sqlite3 "$T/h.db" 'SELECT signature_id FROM clusters ORDER BY 1 LIMIT 1')
"$BIN" triage "$T/h.db" "$sig" --note "<img src=x onerror=\"document.title='PWNED'\">note" >/dev/null
timeout 120 "$BIN" -q --no-symbolicate --history "$T/h.db" --html "$T/hpage.html" -o /dev/null "$SRC/samples" 2>/dev/null
timeout 120 "$CHROME" $flags --dump-dom "file://$T/hpage.html" >"$T/hdom.html" 2>"$T/hconsole.log"
check "history page: a trend chart per cluster and the builds' trends" \
    sh -c "[ \$(grep -o '<svg class=\"spark\"' '$T/hdom.html' | wc -l) -gt 5 ] && grep -q 'id=\"builds\"' '$T/hdom.html'"
check "history page: the triage note stays text" \
    sh -c "grep -q '&lt;img src=x' '$T/hdom.html' && ! grep -q '<img' '$T/hdom.html' && ! grep -q 'PWNED</title>' '$T/hdom.html'"
check "history page: no script error" sh -c "! grep -Ei 'Uncaught|SyntaxError|TypeError|ReferenceError' '$T/hconsole.log'"
echo "# page: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
