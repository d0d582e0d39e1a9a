#!/bin/sh
# demo_report.sh — the demo sweep (sweeps/lion_vs_adamw.yaml) on its two
# quick problems, rosenbrock and logreg: the report flags the grid edges of
# the demo (AdamW's lr 0.01 and Lion's lr 1e-3 at the top of their grids)
# in the verdict, the summary, the grid-edge section and at the end of the
# sweep; every table states its intervals with n; and every verdict cell
# names a winner exactly when its paired interval excludes zero ("no
# significant difference" when it holds zero).
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v gnuplot >/dev/null || { echo "skipped: gnuplot not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
root=$(cd "$(dirname "$0")/../.." && pwd)

grep -v '^  - mlp:\|^  - transformer:' "$root/sweeps/lion_vs_adamw.yaml" >"$tmp/demo.yaml"
out=$("$OPTBENCH" sweep "$tmp/demo.yaml" --db "$tmp/d.db" --jobs 2 --quiet)
[ "$(sqlite3 "$tmp/d.db" "select count(*) from runs where status = 'done'")" = 108 ] || fail "not 108 runs done"
for p in rosenbrock "logreg dataset=digits"; do
    echo "$out" | grep -q "^  $p  adamw  .*\[grid edge: lr=0.01 is the top of its grid; widen it\]" || fail "sweep end, $p adamw: $out"
    echo "$out" | grep -q "^  $p  lion  .*\[grid edge: lr=0.001 is the top of its grid; widen it\]" || fail "sweep end, $p lion: $out"
done
"$OPTBENCH" report --sweep lion-vs-adamw --db "$tmp/d.db" --out "$tmp/rep" --optimizers lion,adamw,lion_l2 >/dev/null
md="$tmp/rep/report.md"
for p in rosenbrock "logreg dataset=digits"; do
    row=$(grep "^| $p |" "$md" | head -n 1)
    for edge in "adamw lr=0.01 is the top" "lion lr=0.001 is the top"; do
        echo "$row" | grep -q "grid edge: $edge of its grid; widen it" || fail "verdict, $p: no '$edge': $row"
        grep -q "^grid edge: $edge of its grid on $p; widen it.$" "$md" || fail "grid-edge section: $p, $edge"
        grep -qF "grid edge: $edge of its grid on $p; widen it." "$tmp/rep/report.html" || fail "report.html: $p, $edge"
    done
    grep "^| $p | adamw |" "$md" | grep -Eq '\| [0-9.e+-]+ \\?\[[0-9.e+-]+, [0-9.e+-]+\\?\] \(n=3\) \| 3 \|.*lr=0.01 is the top of its grid' \
        || fail "summary, $p adamw: $(grep "^| $p | adamw |" "$md")"
done
# every verdict cell: a winner where the paired interval excludes zero, else no significant difference
python3 - "$md" <<'PY' || fail "verdict cells and their intervals disagree"
import re, sys
cells = [c for line in open(sys.argv[1], encoding="utf-8") if line.startswith("| ") for c in line.split(" | ")]
num = r"(-?[0-9.]+(?:e[-+]?[0-9]+)?)"
checked = 0
for c in cells:
    won = re.match(r"^[a-z0-9_\\]+ \([a-z0-9_\\]+ − [a-z0-9_\\]+ = %s \\\[%s, %s\\\], n=\d+ paired\)" % (num, num, num), c)
    tie = re.match(r"^no significant difference \(n=\d+; [a-z0-9_\\]+ − [a-z0-9_\\]+ = %s \\\[%s, %s\\\]\)" % (num, num, num), c)
    if won:
        lo, hi = float(won.group(2)), float(won.group(3))
        assert lo > 0 or hi < 0, c
    elif tie:
        lo, hi = float(tie.group(2)), float(tie.group(3))
        assert lo <= 0 <= hi, c
    else:
        continue
    checked += 1
assert checked >= 4, checked  # the score and step-time cells of both problems at least
PY
echo ok
