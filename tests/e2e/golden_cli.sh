#!/bin/sh
# golden_cli.sh — `optbench golden` and `optbench verify FILE`: files written
# for synthetic tensors, a flat vector and a problem replay exactly; a file
# edited at a known step and index is reported there (first) beside the
# worst; another optimizer replays a file when named; a plugin's file names
# the plugin; bad --tensors lists and conflicting flags exit 2 with one line
# and write nothing. OPTBENCH_PLUGINS: the built example plugins.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# the issue's examples: tensors with roles, and a problem's trajectory
"$OPTBENCH" golden --optimizer lion,lr=1e-3,weight_decay=0.1 --tensors 'w:matrix:8x6,b:vector:6' \
    --steps 20 --seed 3 >"$tmp/ref.txt"
grep -q "^hparams lr=0.001,beta1=0.9,beta2=0.99,weight_decay=0.1,wd_mode=decoupled$" "$tmp/ref.txt" ||
    fail "hparams: $(grep hparams "$tmp/ref.txt")"
grep -q "^tensor w matrix 8 6$" "$tmp/ref.txt" || fail "tensor line"
[ "$(grep -c '^[gp][0-9]' "$tmp/ref.txt")" = 41 ] || fail "p0 and 20 g/p pairs"
"$OPTBENCH" verify "$tmp/ref.txt" >"$tmp/out" || fail "verify of a written file: $(cat "$tmp/out")"
grep -q "^OK .*ref.txt .*worst 0.00e+00$" "$tmp/out" || fail "not exact: $(cat "$tmp/out")"

"$OPTBENCH" golden --optimizer adamw,weight_decay=0.1,vectors.weight_decay=0 \
    --problem mlp,dataset=iris,hidden=[16] --steps 20 --out "$tmp/mlp_ref.txt"
grep -q "^hparams .*,vectors.weight_decay=0$" "$tmp/mlp_ref.txt" || fail "group override not written"
grep -q "^tensor layer0.weight matrix 16 4$" "$tmp/mlp_ref.txt" || fail "problem tensors"
"$OPTBENCH" verify "$tmp/mlp_ref.txt" | grep -q "worst 0.00e+00" || fail "problem file not exact"
# the same seed writes the same file; another seed other numbers
"$OPTBENCH" golden --optimizer adamw,weight_decay=0.1,vectors.weight_decay=0 \
    --problem mlp,dataset=iris,hidden=[16] --steps 20 | cmp -s - "$tmp/mlp_ref.txt" || fail "not reproducible"
"$OPTBENCH" golden --optimizer sgd --n 8 --steps 2 --seed 1 | grep '^p0' >"$tmp/s1"
"$OPTBENCH" golden --optimizer sgd --n 8 --steps 2 --seed 2 | grep '^p0' >"$tmp/s2"
! cmp -s "$tmp/s1" "$tmp/s2" || fail "the seed does not change the inputs"

# --out writes an ordinary file (the umask's mode, not a temporary file's 0600)
(umask 022 && "$OPTBENCH" golden --optimizer sgd --n 4 --steps 2 --out "$tmp/mode.txt")
[ "$(stat -c %a "$tmp/mode.txt")" = 644 ] || fail "--out mode $(stat -c %a "$tmp/mode.txt")"

# a plugin's optimizer: the file names the plugin's path and digest, and replays through it
plugins=${OPTBENCH_PLUGINS:-build/plugins}
if [ -f "$plugins/cautious_lion.so" ]; then
    "$OPTBENCH" golden --plugin "$plugins/cautious_lion.so" --optimizer cautious_lion,lr=1e-3 \
        --tensors 'w:matrix:4x3,b:vector:3' --steps 5 >"$tmp/plugin.txt"
    grep -q "^# written by .*: optbench golden --plugin /.*/cautious_lion.so --optimizer cautious_lion,lr=1e-3 .*(plugin sha256 [0-9a-f]\{64\})$" \
        "$tmp/plugin.txt" || fail "plugin provenance: $(head -n 1 "$tmp/plugin.txt")"
    "$OPTBENCH" verify --plugin "$plugins/cautious_lion.so" "$tmp/plugin.txt" | grep -q "worst 0.00e+00" ||
        fail "a plugin's file does not replay exactly"
fi

# low-precision state: written when set, replayed exactly; replayed with fp32 state it
# parts at a later step, which verify names
"$OPTBENCH" golden --optimizer adamw,state=bf16,weight_decay=0.1 --tensors 'w:matrix:8x6,b:vector:6' \
    --steps 20 --seed 3 >"$tmp/bf16.txt"
grep -q "^hparams .*,state=bf16$" "$tmp/bf16.txt" || fail "state not written: $(grep hparams "$tmp/bf16.txt")"
"$OPTBENCH" verify "$tmp/bf16.txt" | grep -q "worst 0.00e+00" || fail "bf16 file not exact"
set +e
"$OPTBENCH" verify --optimizer adamw,state=fp32 "$tmp/bf16.txt" >"$tmp/out"
code=$?
set -e
[ "$code" = 1 ] && grep -q "^MISMATCH .*: first at step [0-9]*, index" "$tmp/out" ||
    fail "fp32 on a bf16 file: exit $code: $(cat "$tmp/out")"

# a flat file: no tensor lines
"$OPTBENCH" golden --optimizer adam,amsgrad=1 --n 16 --steps 5 >"$tmp/flat.txt"
! grep -q "^tensor" "$tmp/flat.txt" || fail "a flat file has tensor lines"
"$OPTBENCH" verify "$tmp/flat.txt" >/dev/null || fail "flat file"

# one value changed at step 7, index 12 (w[2,0]; field 14 of line p7): first there, exit 1
awk '$1 == "p7" { $14 = $14 + 0.5 } { print }' "$tmp/ref.txt" >"$tmp/edited.txt"
set +e
"$OPTBENCH" verify "$tmp/edited.txt" >"$tmp/out"
code=$?
set -e
[ "$code" = 1 ] || fail "verify of an edited file exited $code"
grep -q "^MISMATCH .*first at step 7, index 12: got .*(w\[2,0\], error" "$tmp/out" || fail "first: $(cat "$tmp/out")"
grep -q "worst at step 7, index 12 (w\[2,0\])" "$tmp/out" || fail "worst: $(cat "$tmp/out")"
grep -q "; 1 of 1080 values beyond" "$tmp/out" || fail "count: $(cat "$tmp/out")"

# another optimizer named: lion_l2 lacks lion's beta1, beta2 and wd_mode (at their defaults: left out)
set +e
"$OPTBENCH" verify --optimizer lion_l2 "$tmp/ref.txt" >"$tmp/out"
code=$?
set -e
[ "$code" = 1 ] || fail "lion_l2 on a lion file exited $code"
grep -q "^NOTE .*keys lion_l2 lacks, left out at lion's defaults: beta1=0.9,beta2=0.99,wd_mode=decoupled" "$tmp/out" ||
    fail "note: $(cat "$tmp/out")"
grep -q "^MISMATCH .*lion_l2 (file: lion) .*first at step 1," "$tmp/out" || fail "lion_l2: $(cat "$tmp/out")"
# ... and the spec's values over the file's
"$OPTBENCH" verify --optimizer lion,lr=0.001 "$tmp/ref.txt" >/dev/null || fail "the same values must pass"
"$OPTBENCH" verify --optimizer lion,lr=0.002 "$tmp/ref.txt" >/dev/null && fail "another lr must fail"

# bad input: exit 2, one line naming the item, nothing written
for t in 'w:matrix' 'w:bias:3' 'w:matrix:0x6' 'w:matrix:8x6,w:vector:6' 'w x:vector:3'; do
    set +e
    "$OPTBENCH" golden --optimizer adamw --tensors "$t" --out "$tmp/bad.txt" >"$tmp/stdout" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] || fail "--tensors '$t' exited $code"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "--tensors '$t': not one line: $(cat "$tmp/err")"
    grep -q "^optbench: --tensors: tensor [12] '" "$tmp/err" || fail "--tensors '$t' said: $(cat "$tmp/err")"
    [ ! -s "$tmp/stdout" ] && [ ! -e "$tmp/bad.txt" ] || fail "--tensors '$t' wrote output"
done
for args in "--n 4 --tensors w:vector:4" "--optimizer nope --n 4" "--optimizer adamw,lr=1e30 --n 4" \
    "--optimizer adamw --n 2000000 --steps 20"; do
    set +e
    # shellcheck disable=SC2086
    "$OPTBENCH" golden --optimizer adamw $args --out "$tmp/bad.txt" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] || fail "golden $args: exit $code: $(cat "$tmp/err")"
    [ ! -e "$tmp/bad.txt" ] || fail "golden $args wrote a file"
done
ls "$tmp" | grep -q "bad.txt" && fail "a temporary file was left"
set +e
"$OPTBENCH" verify --optimizer nope "$tmp/ref.txt" 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] && grep -q "unknown optimizer 'nope'" "$tmp/err" || fail "verify --optimizer nope: $code"
echo ok
