#!/usr/bin/env bash
# Renders the drift report of `satori monitor` in headless Chromium and checks that it displays:
#   1. the rendered DOM holds every section, the verdict table with a drifting column, and one
#      inline SVG picture per monitored column;
#   2. a 1200x3000 screenshot is not blank (many distinct colours, a fair share of non-white);
#   3. the browser logged no console message and no network error (the page has no scripts, and
#      its Content-Security-Policy turns any load from outside into a logged, blocked request).
#
# Usage: tests/browser/check_drift_report.sh [OUT_DIR]
#   OUT_DIR (default: a new temporary directory) receives drift.html, shot-drift.png,
#   dom-drift.html and chrome-drift.log.
# Installs Debian's chromium with apt-get when no chromium binary is found (CHROMIUM=path
# overrides the search). Exits non-zero on the first failed check.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

find_chromium() {
    if [[ -n "${CHROMIUM:-}" ]]; then echo "$CHROMIUM"; return; fi
    for c in chromium chromium-browser google-chrome; do
        if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return; fi
    done
}

CHROME="$(find_chromium || true)"
if [[ -z "$CHROME" ]]; then
    echo "check_drift_report: no chromium found; installing Debian's chromium" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
    CHROME="$(find_chromium)"
fi
echo "check_drift_report: using $("$CHROME" --version 2>/dev/null | tail -n 1)"

cd "$ROOT"
cargo build -q -p satori-report --example drift_report --example png_stats
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
TARGET_DIR="${TARGET_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}}"
EXAMPLES="$TARGET_DIR/debug/examples"

chrome() {
    local profile
    profile="$(mktemp -d)"
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --hide-scrollbars \
        --user-data-dir="$profile" "$@"
    local rc=$?
    rm -rf "$profile"
    return $rc
}

fail() { echo "check_drift_report: FAIL: $*" >&2; exit 1; }

HTML="$OUT/drift.html"
"$EXAMPLES/drift_report" "$HTML" >/dev/null
URL="file://$HTML"

# 1. The rendered DOM.
chrome --dump-dom "$URL" >"$OUT/dom-drift.html" 2>/dev/null || fail "chromium --dump-dom failed"
for id in summary verdicts performance pictures column-0; do
    grep -q "id=\"$id\"" "$OUT/dom-drift.html" || fail "#$id missing from the rendered DOM"
done
grep -q 'class="v-drift"' "$OUT/dom-drift.html" || fail "no drifting column in the verdict table"
grep -q 'class="v-stable"' "$OUT/dom-drift.html" || fail "no stable column in the verdict table"
n_rows=$(grep -o '<td class="v-' "$OUT/dom-drift.html" | wc -l)
n_svg=$(grep -o "<svg" "$OUT/dom-drift.html" | wc -l)
[[ "$n_svg" -ge 4 && "$n_svg" -eq "$n_rows" ]] \
    || fail "$n_svg inline SVG pictures for $n_rows monitored columns"

# 2 and 3. A screenshot, with the browser's log.
SHOT="$OUT/shot-drift.png"
rm -f "$SHOT"
chrome --enable-logging=stderr --v=0 --window-size=1200,3000 --screenshot="$SHOT" "$URL" \
    >"$OUT/chrome-drift.log" 2>&1 || fail "chromium --screenshot failed (see $OUT/chrome-drift.log)"
[[ -s "$SHOT" ]] || fail "no screenshot was written"
if grep -E ":CONSOLE[:(]|Uncaught|net::ERR_" "$OUT/chrome-drift.log"; then
    fail "the browser logged a console message or network error (above)"
fi
read -r width height colours nonwhite < <("$EXAMPLES/png_stats" "$SHOT")
echo "check_drift_report: ${width}x${height} screenshot, $colours distinct colours, ${nonwhite} non-white pixels per mille, $n_svg SVG pictures for $n_rows columns"
[[ "$width" -eq 1200 && "$height" -eq 3000 ]] || fail "screenshot is ${width}x${height}, not 1200x3000"
[[ "$colours" -ge 64 ]] || fail "only $colours distinct colours: the page looks blank"
[[ "$nonwhite" -ge 20 ]] || fail "only $nonwhite per mille non-white pixels: the page looks blank"
echo "check_drift_report: OK ($OUT)"
