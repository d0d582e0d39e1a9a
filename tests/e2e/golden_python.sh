#!/bin/sh
# golden_python.sh — the parts of python/optbench_golden.py that need no
# torch, on files `optbench golden` writes: the reader agrees with the
# writer (tensors, roles, group overrides, values), positions are named as
# optbench names them, and a malformed file or a bad MODULE:CLASS exits 2
# with one line. The replay against torch is make test-torch's
# (tests/torch/golden_bridge.sh).
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v python3 >/dev/null || { echo "skipped: python3 not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export PYTHONPATH="$PWD/python"

"$OPTBENCH" golden --optimizer adamw,lr=3e-3,vectors.weight_decay=0,matrices.lr_scale=2 \
    --tensors 'w:matrix:8x6,e:embedding:5x3,b:vector:6' --steps 4 --seed 2 >"$tmp/ref.txt"
python3 - "$tmp/ref.txt" <<'PY' || fail "reader"
import sys
import optbench_golden as og
g = og.read_golden(sys.argv[1])
assert g["optimizer"] == "adamw", g["optimizer"]
assert g["hparams"] == {"lr": 0.003, "beta1": 0.9, "beta2": 0.999, "eps": 1e-08, "weight_decay": 0.01,
                        "amsgrad": 0}, g["hparams"]
assert g["groups"] == {"vectors": {"weight_decay": 0}, "matrices": {"lr_scale": 2}}, g["groups"]
assert g["tensors"] == [("w", "matrix", (8, 6)), ("e", "embedding", (5, 3)), ("b", "vector", (6,))], g["tensors"]
assert g["n"] == 69 and g["steps"] == 4
assert all(len(g["vectors"][t]) == 69 for t in ["p0", "g1", "p1", "g4", "p4"])
assert og.locate(g, 12) == "w[2,0]" and og.locate(g, 48) == "e[0,0]" and og.locate(g, 68) == "b[5]"
PY
# the values read are the file's to the last digit
awk '$1 == "p3" { print $2; exit }' "$tmp/ref.txt" >"$tmp/want"
python3 -c "import sys, optbench_golden as og; print('%.9g' % og.read_golden(sys.argv[1])['vectors']['p3'][0])" \
    "$tmp/ref.txt" | cmp -s - "$tmp/want" || fail "p3[0] read back differently"

check_bad() {
    want=$1
    shift
    set +e
    python3 -m optbench_golden "$@" >"$tmp/out" 2>&1
    code=$?
    set -e
    [ "$code" = 2 ] || fail "$*: exit $code: $(cat "$tmp/out")"
    grep -q -- "$want" "$tmp/out" || fail "$*: $(cat "$tmp/out")"
}
check_bad "expected MODULE:CLASS" "$tmp/ref.txt" AdamW
check_bad "cannot import no_such_module" "$tmp/ref.txt" no_such_module:X
python3 - "$tmp/ref.txt" "$tmp" <<'PY' || fail "malformed files"
import sys
import optbench_golden as og
ref, tmp = sys.argv[1], sys.argv[2]
text = open(ref).read()
cases = {
    "unknown role": (text.replace("tensor b vector 6", "tensor b bias 6"), ":7: expected 'tensor NAME ROLE"),
    "short vector": (text.replace("\nn 69\n", "\nn 70\n"), "p0 needs 70 numbers"),
    "no last step": (text[:text.index("\ng4 ")] + "\n", "no g4 line"),
    "bad group": (text.replace("vectors.weight_decay", "biases.weight_decay"), "unknown group 'biases'"),
}
for name, (body, says) in cases.items():
    path = f"{tmp}/{name.replace(' ', '_')}.txt"
    open(path, "w").write(body)
    try:
        og.read_golden(path)
    except og.GoldenError as e:
        assert says in str(e), (name, str(e))
    else:
        raise AssertionError(f"{name}: read without error")
PY
echo ok
