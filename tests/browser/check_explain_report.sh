#!/usr/bin/env bash
# Renders the sample explanation report (satori-report's `explain_report` example: importances,
# partial dependence with ICE, a 2-D heat map, SHAP beeswarm, waterfall and dependence plot) in
# headless Chromium and checks, as check_report.sh does for the evaluation report:
#   1. the rendered DOM holds every section and its inline SVG pictures;
#   2. a 1200x3000 screenshot is not blank;
#   3. the browser logged no console message and no network error.
# Usage: tests/browser/check_explain_report.sh [OUT_DIR]   (CHROMIUM=path picks the browser)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

CHROME="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
[[ -n "$CHROME" ]] || { echo "check_explain_report: no chromium found (set CHROMIUM)" >&2; exit 1; }

cd "$ROOT"
cargo build -q -p satori-report --example explain_report --example png_stats
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

fail() { echo "check_explain_report: FAIL: $*" >&2; exit 1; }

HTML="$OUT/explain.html"
"$EXAMPLES/explain_report" "$HTML"
URL="file://$HTML"
chrome --dump-dom "$URL" >"$OUT/dom-explain.html" 2>/dev/null || fail "chromium --dump-dom failed"
for id in importance pdp-0 pdp-1 shap-summary shap-waterfall shap-dependence; do
    grep -q "id=\"$id\"" "$OUT/dom-explain.html" || fail "section #$id missing from the rendered DOM"
done
n_svg=$(grep -o "<svg" "$OUT/dom-explain.html" | wc -l)
[[ "$n_svg" -ge 7 ]] || fail "only $n_svg inline SVG pictures in the DOM"
SHOT="$OUT/shot-explain.png"
rm -f "$SHOT"
chrome --enable-logging=stderr --v=0 --window-size=1200,3000 --screenshot="$SHOT" "$URL" \
    >"$OUT/chrome-explain.log" 2>&1 || fail "chromium --screenshot failed (see $OUT/chrome-explain.log)"
[[ -s "$SHOT" ]] || fail "no screenshot was written"
if grep -E ":CONSOLE[:(]|Uncaught|net::ERR_" "$OUT/chrome-explain.log"; then
    fail "the browser logged a console message or network error (above)"
fi
read -r width height colours nonwhite < <("$EXAMPLES/png_stats" "$SHOT")
echo "check_explain_report: ${width}x${height} screenshot, $colours distinct colours, ${nonwhite} non-white pixels per mille, $n_svg SVG pictures"
[[ "$colours" -ge 64 ]] || fail "only $colours distinct colours: the page looks blank"
[[ "$nonwhite" -ge 20 ]] || fail "only $nonwhite per mille non-white pixels: the page looks blank"
echo "check_explain_report: OK ($OUT)"
