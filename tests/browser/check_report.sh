#!/usr/bin/env bash
# Renders satori evaluation reports in headless Chromium and checks that they display:
#   1. the page's DOM (after rendering) holds every section and inline SVG pictures;
#   2. a 1200x3000 screenshot is not blank (many distinct colours, a fair share of non-white);
#   3. the browser logged no console message (the report has no scripts, and its
#      Content-Security-Policy turns any attempt to load something from outside the page into a
#      logged, blocked request) and no network error.
#
# Usage: tests/browser/check_report.sh [OUT_DIR]
#   OUT_DIR (default: a new temporary directory) receives, per dataset, report-NAME.html,
#   shot-NAME.png, dom-NAME.html and chrome-NAME.log.
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
    echo "check_report: no chromium found; installing Debian's chromium" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
    CHROME="$(find_chromium)"
fi
echo "check_report: using $("$CHROME" --version 2>/dev/null | tail -n 1)"

cd "$ROOT"
cargo build -q -p satori-report --example sample_report --example png_stats
# The examples land in cargo's target directory, which CI (or CARGO_TARGET_DIR) may put elsewhere.
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
TARGET_DIR="${TARGET_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}}"
EXAMPLES="$TARGET_DIR/debug/examples"

chrome() {
    # One fresh profile per run; everything that could reach out is off.
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

fail() { echo "check_report: FAIL: $*" >&2; exit 1; }

for DATASET in breast_cancer wine diabetes; do
    HTML="$OUT/report-$DATASET.html"
    "$EXAMPLES/sample_report" --dataset "$DATASET" "$HTML" >/dev/null
    URL="file://$HTML"

    # 1. The rendered DOM.
    chrome --dump-dom "$URL" >"$OUT/dom-$DATASET.html" 2>/dev/null || fail "$DATASET: chromium --dump-dom failed"
    for id in summary data metrics pictures model; do
        grep -q "id=\"$id\"" "$OUT/dom-$DATASET.html" || fail "$DATASET: section #$id missing from the rendered DOM"
    done
    if [[ "$DATASET" != diabetes ]]; then
        for id in confusion per-class roc precision-recall calibration scores; do
            grep -q "id=\"$id\"" "$OUT/dom-$DATASET.html" || fail "$DATASET: #$id missing from the rendered DOM"
        done
    else
        for id in predicted-vs-actual residuals; do
            grep -q "id=\"$id\"" "$OUT/dom-$DATASET.html" || fail "$DATASET: #$id missing from the rendered DOM"
        done
    fi
    n_svg=$(grep -o "<svg" "$OUT/dom-$DATASET.html" | wc -l)
    [[ "$n_svg" -ge 2 ]] || fail "$DATASET: only $n_svg inline SVG pictures in the DOM"

    # 2 and 3. A screenshot, with the browser's log.
    SHOT="$OUT/shot-$DATASET.png"
    rm -f "$SHOT"
    chrome --enable-logging=stderr --v=0 --window-size=1200,3000 --screenshot="$SHOT" "$URL" \
        >"$OUT/chrome-$DATASET.log" 2>&1 || fail "$DATASET: chromium --screenshot failed (see $OUT/chrome-$DATASET.log)"
    [[ -s "$SHOT" ]] || fail "$DATASET: no screenshot was written"
    # The report has no scripts, and its Content-Security-Policy blocks every load from outside the
    # page, with a console message: so any console line (an error, a blocked load) is a failure.
    if grep -E ":CONSOLE[:(]|Uncaught|net::ERR_" "$OUT/chrome-$DATASET.log"; then
        fail "$DATASET: the browser logged a console message or network error (above)"
    fi
    # Blank-page check: a rendered report has text, axes and coloured curves.
    read -r width height colours nonwhite < <("$EXAMPLES/png_stats" "$SHOT")
    echo "check_report: $DATASET: ${width}x${height} screenshot, $colours distinct colours, ${nonwhite} non-white pixels per mille, $n_svg SVG pictures"
    [[ "$width" -eq 1200 && "$height" -eq 3000 ]] || fail "$DATASET: screenshot is ${width}x${height}, not 1200x3000"
    [[ "$colours" -ge 64 ]] || fail "$DATASET: only $colours distinct colours: the page looks blank"
    [[ "$nonwhite" -ge 20 ]] || fail "$DATASET: only $nonwhite per mille non-white pixels: the page looks blank"
done
echo "check_report: OK ($OUT)"
