#!/bin/sh
# bad_inputs.sh — malformed input through the command line: non-finite,
# hexadecimal and subnormal numbers in flags and spec strings, names with
# control characters, bad CSV, LIBSVM and IDX files (the IDX size overflow
# among them), FIFOs and devices as inputs, a file over the size cap after
# gunzip, and every file of tests/sweeps/bad/. Each exits 2 with one line
# naming the file (and line) or the key, and leaves the database
# byte-identical. Then every JSON the program writes parses, also from a
# database that an older version filled with "lr":inf, whose runs `list`
# and `export` leave out and name.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db="$tmp/r.db"
"$OPTBENCH" run --optimizer adam,lr=0.01 --steps 20 --db "$db" --sweep s --quiet
before=$(cksum <"$db")

# refused ARGS... : exit 2, one line of stderr holding $want, the database untouched
refused() {
    set +e
    timeout 60 "$OPTBENCH" "$@" --db "$db" >"$tmp/out" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] || fail "$* exited $code: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$*: not one line: $(cat "$tmp/err")"
    grep -qF -- "$want" "$tmp/err" || fail "$*: '$(cat "$tmp/err")' lacks '$want'"
    [ "$(cksum <"$db")" = "$before" ] || fail "$*: the database changed"
}

for v in inf Infinity INF +inf -inf nan NaN 0x10 0x1p-3; do
    want="lr = '$v': not a decimal number" refused run --optimizer "adam,lr=$v"
    want="noise = '$v': not a decimal number" refused run --problem "rosenbrock,noise=$v"
    want="--clip: '$v': not a decimal number" refused run --clip "$v"
done
want="--steps: '99999999999999' is not an integer in [1, 1000000000]" refused run --steps 99999999999999
want="--target: '1e999': beyond the largest double" refused run --target 1e999
want="lr = '1e-320': nonzero but below 2.2250738585072014e-308, the smallest normal double" \
    refused run --optimizer adam,lr=1e-320
want="--sweep: empty" refused run --sweep ""
want="--sweep: 'a\\nb' holds a control character" refused run --sweep "a
b"
want="dataset = 'csv:a\\tb': not a valid value" refused run --problem "logreg,dataset=csv:a	b"
want="unknown optimizer 'ad\\nam'" refused run --optimizer "ad
am"
want="unknown key 'l\\x1br'" refused run --optimizer "adam,l$(printf '\033')r=1"
want="unknown problem 'rosen\\nbrock'" refused run --problem "rosen
brock"

# data files
d=tests/data
for f in nan_first.csv:1 inf_feature.csv:3 hex_feature.csv:2 counted_features.csv:2 ragged.csv:4; do
    want="$d/${f%:*}:${f#*:}: " refused run --problem "logreg,dataset=csv:$d/${f%:*}"
done
want="$d/binary.csv: byte 8: NUL byte" refused run --problem "logreg,dataset=csv:$d/binary.csv"
want="$d/truncated.csv.gz: byte " refused run --problem "logreg,dataset=csv:$d/truncated.csv.gz"
want="$d/empty.csv:1: no data rows" refused run --problem "logreg,dataset=csv:$d/empty.csv"
want="$d/svm_huge_index.svm:1: field 2: index 2000000000 above 1048576" refused run --problem "logreg,dataset=libsvm:$d/svm_huge_index.svm"
want="$d/svm_hex.svm:1: field 2: '0x1p-3' is not a number" refused run --problem "logreg,dataset=libsvm:$d/svm_hex.svm"
want="$d/svm_values.svm: 65 rows x 1048576 features" refused run --problem "mlp,dataset=libsvm:$d/svm_values.svm"
mkdir "$tmp/fm"
cp $d/overflow-images.idx "$tmp/fm/train-images-idx3-ubyte.gz"
cp $d/good-labels.idx "$tmp/fm/train-labels-idx1-ubyte.gz"
want="$tmp/fm/train-images-idx3-ubyte.gz: byte 2048: file ends early: the header declares 4611686018427387904 bytes" \
    refused run --problem "logreg,dataset=fashion_mnist,path=$tmp/fm"
cp $d/huge-images.idx "$tmp/fm/train-images-idx3-ubyte.gz"
want="train-images-idx3-ubyte.gz: byte 116: file ends early" refused run --problem "mlp,dataset=fashion_mnist,path=$tmp/fm"

# not regular files, and more bytes than DATA_MAX_BYTES after gunzip
mkfifo "$tmp/fifo"
for f in /dev/zero /dev/urandom "$tmp/fifo" "$tmp"; do
    want="$f: not a regular file" refused run --problem "logreg,dataset=csv:$f"
    want="$f: not a regular file" refused run --problem "logreg,dataset=libsvm:$f"
    want="$f: not a regular file" refused run --problem "transformer,corpus=$f"
    want="$f: not a regular file" refused sweep "$f"
done
python3 -c 'import sys, zlib
c = zlib.compressobj(1, zlib.DEFLATED, 31)
block = bytes(1 << 20)
for _ in range(257): sys.stdout.buffer.write(c.compress(block))
sys.stdout.buffer.write(c.compress(b"x") + c.flush())' >"$tmp/bomb.txt.gz"
want="$tmp/bomb.txt.gz: byte 268435456: more than the 268435456 bytes a data file may hold (after gunzip)" \
    refused run --problem "transformer,corpus=$tmp/bomb.txt.gz"

# every malformed sweep file of the unit tests, through the command line
for f in tests/sweeps/bad/*.yaml; do
    want=$(sed -n '1s/^# expect: //p' "$f")
    want="$f$want" refused sweep "$f"
done

# every JSON written parses, also when a stored value is not JSON: list and
# export leave out the runs whose stored JSON does not parse (an old build
# wrote "lr":inf, or a hand edit), name them on stderr, and keep every
# hp.* and problem.* column of the others
"$OPTBENCH" run --optimizer adam,lr=0.02 --steps 20 --db "$db" --sweep s --quiet
"$OPTBENCH" run --optimizer adam,lr=0.03 --steps 20 --db "$db" --sweep s --quiet
# and a name with quotes and a dot (it's "x".y) is a column like any other
sqlite3 "$db" 2>/dev/null <<'SQL' || fail "sqlite3 (make deps)"
UPDATE runs SET hyperparameters = '{"lr":inf}' WHERE id = 1;
UPDATE runs SET problem_options = '{"dim":2,' WHERE id = 3;
UPDATE runs SET hyperparameters = replace(hyperparameters, '"lr":0.02', '"lr":0.02,"it''s \"x\".y":5') WHERE id = 2;
SQL
"$OPTBENCH" list runs --sweep s --format json --db "$db" >"$tmp/list.json" 2>"$tmp/list.err"
"$OPTBENCH" list runs --format table --db "$db" >"$tmp/list.txt" 2>"$tmp/table.err"
"$OPTBENCH" list sweeps --format json --db "$db" >"$tmp/sweeps.json"
"$OPTBENCH" export --sweep s --format jsonl --db "$db" >"$tmp/export.jsonl" 2>"$tmp/export.err" ||
    fail "export: $(cat "$tmp/export.err")"
"$OPTBENCH" export --sweep s --format jsonl --metrics --db "$db" >"$tmp/metrics.jsonl" 2>"$tmp/metrics.err" ||
    fail "export --metrics: $(cat "$tmp/metrics.err")"
"$OPTBENCH" export --sweep s --format csv --db "$db" >"$tmp/export.csv" 2>"$tmp/csv.err" ||
    fail "export --format csv: $(cat "$tmp/csv.err")"
left="the stored JSON does not parse (run 1, 3)"
grep -qF "list: 2 runs of sweep 's' left out: $left" "$tmp/list.err" || fail "list: $(cat "$tmp/list.err")"
grep -qF "list: 2 runs left out: $left" "$tmp/table.err" || fail "list: $(cat "$tmp/table.err")"
grep -qF "export: 2 runs of sweep 's' left out: $left" "$tmp/export.err" || fail "export: $(cat "$tmp/export.err")"
grep -qF "export: 2 runs of sweep 's' left out: $left" "$tmp/metrics.err" || fail "export: $(cat "$tmp/metrics.err")"
[ "$(awk 'NR > 1 {print $1}' "$tmp/list.txt")" = 2 ] || fail "list table: $(cat "$tmp/list.txt")"
python3 -c 'import csv, json, sys
for f in sys.argv[1:3]: json.load(open(f))
for f in sys.argv[3:5]:
    for line in open(f): json.loads(line)
runs = json.load(open(sys.argv[1]))
assert [r["id"] for r in runs] == [2], runs
rows = [json.loads(line) for line in open(sys.argv[3])]
assert [r["id"] for r in rows] == [2], rows
assert rows[0]["hp.lr"] == 0.02 and rows[0]["problem.dim"] == 2, rows[0]
assert rows[0]["hp.it" + chr(39) + "s \"x\".y"] == 5, rows[0]
metrics = [json.loads(line) for line in open(sys.argv[4])]
assert metrics and {m["run_id"] for m in metrics} == {2} and metrics[0]["hp.lr"] == 0.02, metrics[:1]
table = list(csv.DictReader(open(sys.argv[5])))
assert [r["id"] for r in table] == ["2"] and table[0]["hp.lr"] == "0.02", table' \
    "$tmp/list.json" "$tmp/sweeps.json" "$tmp/export.jsonl" "$tmp/metrics.jsonl" "$tmp/export.csv" \
    || fail "invalid JSON written, or the unreadable runs not left out"
echo ok
