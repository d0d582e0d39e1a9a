#!/bin/sh
# groups_cli.sh — tensors, roles and parameter groups from the command line:
# the tensor listing of a problem instance, group keys in a run and its
# stored hyperparameters, exit 2 naming a bad group, golden files with an
# unknown role, the state formulas of `optbench optimizers`, and the
# state bytes a run of a tensor-aware optimizer records.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$OPTBENCH" problems --problem mlp,hidden=[64] >"$tmp/out"
grep -q "^  layer0.weight  *matrix  *64x64  *4096$" "$tmp/out" || fail "tensor listing: $(cat "$tmp/out")"
grep -q "^  layer1.bias  *vector  *10  *10$" "$tmp/out" || fail "bias role: $(cat "$tmp/out")"

# a group override is stored with the run, and tells two runs apart
db="$tmp/r.db"
"$OPTBENCH" run --problem mlp,hidden=[16] --optimizer adamw,lr=3e-3,weight_decay=0.1,vectors.weight_decay=0 \
    --steps 5 --db "$db" --quiet
"$OPTBENCH" run --problem mlp,hidden=[16] --optimizer adamw,lr=3e-3,weight_decay=0.1 --steps 5 --db "$db" --quiet
[ "$(sqlite3 "$db" "select count(*) from runs")" = 2 ] || fail "the group did not give a new run"
[ "$(sqlite3 "$db" "select json_extract(hyperparameters, '\$.vectors.weight_decay') from runs where hyperparameters like '%vectors%'")" = 0 ] ||
    fail "stored: $(sqlite3 "$db" "select hyperparameters from runs")"

# bad groups and keys: exit 2, one line naming them, nothing written
for spec in "adamw,biases.weight_decay=0" "adamw,vectors.momentum=0.9" "adamw,matrices.beta2=1"; do
    set +e
    "$OPTBENCH" run --optimizer "$spec" --steps 2 --db "$tmp/bad.db" --quiet 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] || fail "$spec exited $code"
    key=${spec#adamw,}
    grep -q "${key%%=*}" "$tmp/err" || fail "$spec said: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$spec: not one line: $(cat "$tmp/err")"
done
[ ! -e "$tmp/bad.db" ] || fail "a database was written"

# a golden file with an unknown role: exit 2 with file and line
mkdir "$tmp/golden"
sed 's/^tensor b1 vector 5$/tensor b1 bias 5/' tests/golden/adamw_groups_1.txt >"$tmp/golden/x.txt"
set +e
"$OPTBENCH" verify --dir "$tmp/golden" >"$tmp/out"
code=$?
set -e
[ "$code" = 2 ] || fail "verify of an unknown role exited $code"
grep -q "x.txt:6: unknown role 'bias'" "$tmp/out" || fail "role error: $(cat "$tmp/out")"

# state formulas, and exact state bytes of adafactor (below 1 byte per parameter on the MLP)
"$OPTBENCH" optimizers | grep -q "R+C floats per RxC matrix" || fail "adafactor's state formula"
"$OPTBENCH" run --problem mlp,dataset=digits --optimizer adafactor --steps 500 --db "$db" --quiet
[ "$(sqlite3 "$db" "select state_bytes * 1.0 / n_params < 1 from runs where optimizer = 'adafactor'")" = 1 ] ||
    fail "adafactor state bytes: $(sqlite3 "$db" "select state_bytes, n_params from runs where optimizer = 'adafactor'")"
# each group's state is recorded: adafactor's matrices below 1 byte per parameter, muon's 4 on the
# transformer's matrices and 8 (AdamW) on its embeddings and vectors
"$OPTBENCH" run --problem transformer,task=modadd,layers=1,d_model=32,heads=4 --optimizer muon --steps 3 --db "$db" --quiet
per() { # bytes per parameter of group $2 of the run of optimizer $1
    sqlite3 "$db" "select json_extract(group_state, '$.$2.state_bytes') * 1.0 / json_extract(group_state, '$.$2.params')
        from runs where optimizer = '$1'"
}
groups="$(per adafactor matrices) $(per adafactor vectors) $(per muon matrices) $(per muon embeddings) $(per muon vectors)"
awk -v g="$groups" 'BEGIN { split(g, v, " "); exit !(v[1] < 1 && v[2] == 4 && v[3] == 4 && v[4] == 8 && v[5] == 8) }' ||
    fail "group state bytes per parameter (adafactor matrices, vectors; muon matrices, embeddings, vectors): $groups"
# a sweep with a nested group axis; the report's configuration labels show the groups
printf 'name: g\nsteps: 5\nproblems:\n  - logreg: {dataset: iris}\noptimizers:\n  adamw:\n    lr: 0.01\n    vectors: {weight_decay: [0, 0.5]}\n' >"$tmp/g.yaml"
"$OPTBENCH" sweep "$tmp/g.yaml" --db "$tmp/g.db" --quiet >/dev/null
[ "$(sqlite3 "$tmp/g.db" "select count(*) from runs")" = 2 ] || fail "the group axis did not give two runs"
"$OPTBENCH" report --sweep g --db "$tmp/g.db" --out "$tmp/rep" >/dev/null
grep -q '"adamw lr=0.01 wd=0.01 vectors.weight_decay=0.5 (1 seed)"' "$tmp"/rep/*.dat || fail "report label: $(grep -h seed "$tmp"/rep/*.dat)"
grep -q '| adamw | 8 | matrices 8, vectors 8 |' "$tmp"/rep/*.md || fail "report: state per group: $(grep -h 'by group' -A2 "$tmp"/rep/*.md)"
echo ok
