#!/bin/sh
# report_screenshot.sh — renders a report in headless Chromium: the DOM after
# rendering must hold one inline SVG plot of non-zero size in every figure,
# and a full-page screenshot is written for a person to look at.
#   REPORT=path/to/report.html  report to render (default: a small sweep's
#                               report, made here)
#   SHOT=path.png               where the screenshot goes (default
#                               build/report-screenshot.png)
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
shot=${SHOT:-build/report-screenshot.png}
report=${REPORT:-}
if [ -z "$report" ]; then
    printf 'name: browser\nsteps: 200\nseeds: [0, 1]\nlog_every: 10\nproblems:\n  - rosenbrock: {dim: 4}\n  - logreg: {dataset: iris, batch: 32}\noptimizers:\n  adamw: {lr: [1e-2, 3e-2], weight_decay: [0, 0.1]}\n  lion: {lr: [1e-3, 3e-3], weight_decay: [0, 1]}\n' >"$tmp/b.yaml"
    "$OPTBENCH" sweep "$tmp/b.yaml" --db "$tmp/b.db" --quiet >/dev/null
    report=$("$OPTBENCH" report --sweep browser --db "$tmp/b.db" --out "$tmp/rep")
fi
url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
chrome() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$tmp/profile" "$@" 2>/dev/null
}
chrome --dump-dom "$url" >"$tmp/dom.html"
figures=$(grep -o '<figure' "$tmp/dom.html" | wc -l)
plots=$(grep -o '<figure[^>]*><svg[^>]*viewBox="0 0 [1-9][0-9]* [1-9][0-9]*"' "$tmp/dom.html" | wc -l)
[ "$figures" -gt 0 ] || fail "no figures in $report"
[ "$plots" = "$figures" ] || fail "$plots of $figures figures hold a sized SVG plot"
mkdir -p "$(dirname "$shot")"
height=$((900 + 480 * figures))
chrome --hide-scrollbars --window-size=1200,"$height" --screenshot="$shot" "$url"
[ "$(wc -c <"$shot")" -gt 50000 ] || fail "screenshot $shot is nearly empty"
echo "ok: $figures figures rendered, every one with its plot; screenshot in $shot"
