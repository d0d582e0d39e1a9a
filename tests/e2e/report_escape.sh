#!/bin/sh
# report_escape.sh — `optbench report` never runs text of the database as
# code: CSV dataset paths holding gnuplot, shell, HTML and Markdown
# metacharacters (quotes, backquotes, ;system, @macros, backslashes, $(),
# <script>), and a database whose optimizer names and problem options were
# edited to hold newlines and "../", are reported without creating any
# file outside the report folder, with every .gp string single-quoted and
# the HTML and Markdown escaped.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v gnuplot >/dev/null || { echo "gnuplot not installed (make deps)"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed (make deps)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
here=$(pwd)
cd "$tmp"
mkdir data
for name in 'a";system "touch X1";".csv' 'b`touch X2`.csv' "c'; system \"touch X3\"; '.csv" \
            'd@x $(touch X4) \ <script>alert(1)<\script> |*_[l](u).csv'; do
    cp "$here/data/iris.csv" "data/$name"
    "$OPTBENCH" run --problem "logreg,dataset=csv:data/$name" --optimizer adam --steps 20 --db r.db \
        --sweep s --quiet
done
"$OPTBENCH" report --sweep s --db r.db --out rep >/dev/null || fail "report exited $?"
ls X* rep/X* data/X* 2>/dev/null && fail "report executed a command"
grep -l 'dataset=csv:data/b`touch X2`' rep/*.gp >/dev/null || fail "the path is not in the titles"
# every title is one single-quoted string; no double-quoted string holds a path
grep -h '^set title' rep/p*.gp | grep -v "^set title '[^']*\('\('[^']*\)*\)*'$" && fail "title not single-quoted"
sed "s/'[^']*'//g" rep/p*.gp | grep -q 'csv\|touch' && fail "a path outside a single-quoted gnuplot string"
grep -q '<script>' rep/report.html && fail "unescaped HTML"
grep -q '&lt;script&gt;alert' rep/report.html || fail "escaped path missing from the HTML"
grep -q '[^\\]<script>' rep/report.md && fail "unescaped Markdown"
grep -qF '\<script\>alert(1)\<\\script\>' rep/report.md || fail "escaped path missing from the Markdown"

# a database edited by hand: names with a newline, quotes and ../ reach the
# titles, the data files and the file names
printf 'name: g\nsteps: 30\nseeds: [0]\nproblems: [rosenbrock]\noptimizers: {adamw: {lr: [1e-2, 3e-2], weight_decay: [0, 0.1]}}\n' >g.yaml
"$OPTBENCH" sweep g.yaml --db r.db --quiet >/dev/null
sqlite3 r.db "UPDATE runs SET optimizer = '../..' || char(10) || 'system \"touch X5\"'' \"x\`touch X6\`' WHERE problem = 'rosenbrock';
              UPDATE runs SET problem_options = json_object('dim', 2, 'dataset', 'q' || char(10) || 'system \"touch X7\"')
              WHERE problem = 'rosenbrock';"
"$OPTBENCH" report --sweep g --db r.db --out rep2 >/dev/null || fail "report of the edited database exited $?"
ls X* rep2/X* ../X* 2>/dev/null && fail "report of the edited database executed a command"
[ "$(ls rep2/*heat*.gp | wc -l)" = 1 ] || fail "heat map file: $(ls rep2)"
ls rep2/p1_heat_______system__touch_X5____x_touch_X6_.gp >/dev/null || fail "heat map file name: $(ls rep2/*heat*)"
grep -q "system" rep2/p1_lr.dat || fail "optimizer name missing from the data"
[ "$(grep -c '^"' rep2/p1_lr.dat)" = 1 ] || fail "a name broke a data line: $(cat rep2/p1_lr.dat)"
grep -h '^set title' rep2/*.gp | grep -q "system" || fail "edited name missing from the titles"

# a run whose stored JSON does not parse (an old build wrote "lr":inf) is
# left out, named on stderr, and the rest of the sweep is reported
sqlite3 r.db "UPDATE runs SET hyperparameters = replace(hyperparameters, '\"lr\":0.01', '\"lr\":inf'),
              config = replace(config, '\"lr\":0.01', '\"lr\":inf')
              WHERE id = (SELECT min(r.id) FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.name = 'g')"
bad=$(sqlite3 r.db "SELECT r.id FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.name = 'g' AND NOT json_valid(r.config)")
[ -n "$bad" ] || fail "the edit left every run's JSON valid"
"$OPTBENCH" report --sweep g --db r.db --out rep3 >/dev/null 2>err.txt || fail "report with an unparsable run exited $?: $(cat err.txt)"
grep -q "1 run of sweep 'g' left out: the stored JSON does not parse (run $bad)" err.txt || fail "unparsable run not named: $(cat err.txt)"
[ -s rep3/report.html ] || fail "no report beside the unparsable run"
echo ok
