#!/bin/sh
# plugins.sh — optimizer plugins end to end: a plugin written from the
# installed header alone (tests/plugins/indep_adamw.c) builds against `make
# install DESTDIR=...` output, is listed, passes verify on the built-in
# adamw's golden vectors and `optbench golden` output, sweeps and benches; `run`
# records the build of its plugin with its sweep; a copy with one character
# changed fails verify naming the step and index; the loader refuses bad
# descriptors with exit 2, the path and the reason; a plugin that crashes,
# hangs or writes NaN fails only its own run of a sweep, and a crash in
# verify, golden or bench ends the command with exit 3 and one line naming
# the plugin and the step; and the example
# plugins (OPTBENCH_PLUGINS, `make plugins`) match their golden vectors.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
plugins=${OPTBENCH_PLUGINS:-build/plugins}
command -v make >/dev/null || { echo "skipped: make not found"; exit 77; }
command -v cc >/dev/null || { echo "skipped: cc not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# the step of faulty.so writes through NULL: under ASan, let the signal kill the worker
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:handle_segv=0"

# -o: install the binary under test as it is; BUILD: leave the build folders alone
make -s -o "$OPTBENCH" install DESTDIR="$tmp/dest" PREFIX=/usr/local BIN="$OPTBENCH" BUILD="$tmp/build" \
    >"$tmp/log" 2>&1 || fail "make install: $(cat "$tmp/log")"
inc="$tmp/dest/usr/local/include"
[ -f "$inc/optbench/plugin.h" ] || fail "make install did not install include/optbench/plugin.h"
# self-contained: the header includes only the C library's <stddef.h>
[ "$(grep '^#include' "$inc/optbench/plugin.h")" = "#include <stddef.h>" ] || fail "plugin.h includes more than <stddef.h>"
build() { # build NAME SOURCE [CFLAGS...]: NAME.so from SOURCE against the installed header only
    name=$1 src=$2
    shift 2
    cc -O2 -Wall -Wextra -Werror -shared -fPIC -I"$inc" "$@" "$src" -o "$tmp/$name.so" -lm 2>"$tmp/cc" ||
        fail "building $src: $(cat "$tmp/cc")"
}
build indep_adamw tests/plugins/indep_adamw.c

# listed, with its hyperparameters and where it comes from
"$OPTBENCH" optimizers --plugin "$tmp/indep_adamw.so" >"$tmp/list" || fail "optimizers --plugin"
grep -q '^indep_adamw — ' "$tmp/list" || fail "optimizers does not list indep_adamw"
grep -q "from: plugin $tmp/indep_adamw.so" "$tmp/list" || fail "optimizers does not name the plugin's path"
grep -q '^    amsgrad .*default false ' "$tmp/list" || fail "optimizers does not list the plugin's hyperparameters"

# the built-in adamw's golden vectors (torch's) and vectors `optbench golden` writes from the built-in
"$OPTBENCH" golden --optimizer adamw,lr=0.01,weight_decay=0.1,amsgrad=1,vectors.weight_decay=0 \
    --tensors 'w:matrix:8x6,b:vector:6' --steps 20 --seed 3 --out "$tmp/adamw_own.txt" || fail "golden"
set -- tests/golden/adamw_1.txt tests/golden/adamw_2.txt tests/golden/adamw_groups_1.txt "$tmp/adamw_own.txt"
"$OPTBENCH" verify --plugin "$tmp/indep_adamw.so" --optimizer indep_adamw "$@" >"$tmp/verify" ||
    fail "verify of indep_adamw: $(cat "$tmp/verify")"
grep -q "4 files, 4 ok" "$tmp/verify" || fail "verify: $(tail -n 1 "$tmp/verify")"

# one character changed (beta1 -> beta2 in the first bias correction): verify names the step and index
sed 's/bc1 = 1 - pow(beta1, t)/bc1 = 1 - pow(beta2, t)/' tests/plugins/indep_adamw.c >"$tmp/buggy.c"
[ "$(cmp -l tests/plugins/indep_adamw.c "$tmp/buggy.c" | wc -l)" -eq 1 ] || fail "the bug is not one character"
build buggy "$tmp/buggy.c"
code=0
"$OPTBENCH" verify --plugin "$tmp/buggy.so" --optimizer indep_adamw "$@" >"$tmp/verify" || code=$?
[ "$code" -eq 1 ] || fail "verify of the buggy copy: exit $code, expected 1"
grep -q '^MISMATCH .*adamw_1.txt: indep_adamw (file: adamw) .*: first at step 1, index [0-9]*: got ' "$tmp/verify" ||
    fail "verify does not name the mismatching step and index: $(cat "$tmp/verify")"

# a sweep with the plugin (path relative to the sweep file) beside a built-in, and bench
cp "$tmp/indep_adamw.so" "$tmp/dest/"
cat >"$tmp/dest/sweep.yaml" <<'YAML'
name: plugin-sweep
steps: 30
plugins: [indep_adamw.so]
problems:
  - logreg: {dataset: iris}
optimizers:
  indep_adamw: {lr: [0.01, 0.03]}
  adamw: {lr: [0.01]}
YAML
"$OPTBENCH" sweep "$tmp/dest/sweep.yaml" --db "$tmp/s.db" --quiet >/dev/null 2>"$tmp/err" || fail "sweep: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/s.db" "select count(*) from runs where status = 'done'")" = 3 ] || fail "the sweep's runs are not done"
# the plugin's AdamW and the built-in take the same steps: the same final loss at lr 0.01
same=$(sqlite3 "$tmp/s.db" "select abs(a.final_loss - b.final_loss) < 1e-5 * (1 + abs(b.final_loss)) from runs a, runs b
    where a.optimizer = 'indep_adamw' and b.optimizer = 'adamw' and a.hyperparameters like '%\"lr\":0.01%'")
[ "$same" = 1 ] || fail "indep_adamw and adamw end at different losses"
# the sweep records the plugin's path and SHA-256; a resume with another build is refused unless --force
sha=$(sha256sum "$tmp/dest/indep_adamw.so" | cut -d' ' -f1)
recorded=$(sqlite3 "$tmp/s.db" "select json_extract(plugins, '\$[0].optimizer') || ' ' || json_extract(plugins, '\$[0].path')
    || ' ' || json_extract(plugins, '\$[0].sha256') || ' ' || json_array_length(plugins) from sweeps where name = 'plugin-sweep'")
[ "$recorded" = "indep_adamw $tmp/dest/indep_adamw.so $sha 1" ] || fail "the sweep recorded '$recorded'"
"$OPTBENCH" sweep "$tmp/dest/sweep.yaml" --db "$tmp/s.db" --quiet >/dev/null 2>"$tmp/err" || fail "resume: $(cat "$tmp/err")"
cc -O1 -shared -fPIC -I"$inc" tests/plugins/indep_adamw.c -o "$tmp/dest/indep_adamw.so" -lm
sha1=$(sha256sum "$tmp/dest/indep_adamw.so" | cut -d' ' -f1)
[ "$sha1" != "$sha" ] || fail "the -O1 build is the same file"
sqlite3 "$tmp/s.db" "update runs set status = 'failed' where optimizer = 'indep_adamw' and hyperparameters like '%0.03%'"
code=0
"$OPTBENCH" sweep "$tmp/dest/sweep.yaml" --db "$tmp/s.db" --quiet >/dev/null 2>"$tmp/err" || code=$?
[ "$code" -eq 2 ] || fail "a resume with another build: exit $code, expected 2"
grep -q "ran optimizer indep_adamw from plugin $tmp/dest/indep_adamw.so with SHA-256 $sha, but .* has SHA-256 $sha1: another build; nothing written" \
    "$tmp/err" || fail "a resume with another build: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/s.db" "select count(*) from runs where status = 'failed'")" = 1 ] || fail "the refused resume ran"
"$OPTBENCH" sweep "$tmp/dest/sweep.yaml" --db "$tmp/s.db" --quiet --force >/dev/null 2>"$tmp/err" ||
    fail "a resume with --force: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/s.db" "select count(*) from runs where status = 'done'")" = 3 ] || fail "--force did not finish the sweep"
[ "$(sqlite3 "$tmp/s.db" "select json_extract(plugins, '\$[0].sha256') from sweeps")" = "$sha1" ] ||
    fail "--force did not record the new build"

# slurm: the script's sweep loads the file's plugin by absolute path
(cd "$tmp/dest" && "$OPTBENCH" slurm sweep.yaml --array 2 --out-dir out >job.sbatch) || fail "slurm"
grep -q "sweep --plugin '$tmp/dest/indep_adamw.so' '$tmp/dest/sweep.yaml'" "$tmp/dest/job.sbatch" ||
    fail "the slurm script does not pass the plugin by absolute path: $(tail -n 1 "$tmp/dest/job.sbatch")"
"$OPTBENCH" bench --plugin "$tmp/indep_adamw.so" --optimizer indep_adamw --n 1e5 --threads 1 --repeats 3 \
    --warmup 1 >"$tmp/bench" 2>&1 || fail "bench: $(cat "$tmp/bench")"
# AdamW's roofline: p, g, m, v read and p, m, v written, 4 bytes each
grep -q '^indep_adamw *100000 *1 *28 ' "$tmp/bench" || fail "bench row: $(cat "$tmp/bench")"

# descriptors the loader refuses: exit 2, the path and the reason
refuse() { # refuse MACRO REASON
    build "bad_$1" tests/plugins/bad.c "-D$1"
    code=0
    "$OPTBENCH" optimizers --plugin "$tmp/bad_$1.so" >/dev/null 2>"$tmp/err" || code=$?
    [ "$code" -eq 2 ] || fail "$1: exit $code, expected 2"
    grep -q "plugin $tmp/bad_$1.so: .*$2" "$tmp/err" || fail "$1: $(cat "$tmp/err")"
}
build fine tests/plugins/bad.c
"$OPTBENCH" optimizers --plugin "$tmp/fine.so" >/dev/null || fail "the valid descriptor of bad.c is refused"
refuse BAD_ABI "built for plugin ABI version 3, but this optbench loads version 2"
refuse BAD_CLASH "name 'adamw' is taken by a built-in"
refuse BAD_NO_ENTRY "no entry symbol optbench_plugin()"
refuse BAD_NO_STEP "step is NULL"
refuse BAD_FIRST_KEY "the first hyperparameter must be lr"
refuse BAD_DEFAULT "default 2 is not a number in \[0, 1\]"
refuse BAD_STATE_KEY "'state' is not a hyperparameter name"
# a plugin that declares no state_precisions keeps float32 state: another precision is refused naming fp32
code=0
"$OPTBENCH" run --plugin "$tmp/fine.so" --problem logreg --optimizer fine,state=bf16 --db "$tmp/none.db" 2>"$tmp/err" || code=$?
[ "$code" -eq 2 ] && grep -q "fine: state = 'bf16': not a valid value, allowed fp32" "$tmp/err" ||
    fail "state=bf16 for a plugin: exit $code, $(cat "$tmp/err")"
code=0
"$OPTBENCH" run --plugin "$tmp/missing.so" --problem logreg --optimizer adamw --db "$tmp/none.db" 2>"$tmp/err" || code=$?
[ "$code" -eq 2 ] && grep -q "plugin $tmp/missing.so: cannot be found" "$tmp/err" || fail "a missing plugin: $(cat "$tmp/err")"
[ ! -e "$tmp/none.db" ] || fail "a run with a missing plugin wrote a database"
# two plugins of one name: the second is refused, naming the first
cp "$tmp/fine.so" "$tmp/fine_copy.so"
code=0
"$OPTBENCH" optimizers --plugin "$tmp/fine.so" --plugin "$tmp/fine_copy.so" >/dev/null 2>"$tmp/err" || code=$?
[ "$code" -eq 2 ] && grep -q "fine_copy.so: optimizer name 'fine' is taken by plugin $tmp/fine.so" "$tmp/err" ||
    fail "a name clash between plugins: $(cat "$tmp/err")"

# run records the build of its optimizer's plugin with its sweep, as a sweep
# file does, beside the builds of other optimizers; list sweeps and show name
# them; a run of
# another build under that sweep is refused with the database untouched
one_run() { "$OPTBENCH" run --problem logreg,dataset=iris --steps 10 --db "$tmp/r.db" --quiet "$@"; }
one_run --plugin "$tmp/indep_adamw.so" --optimizer indep_adamw,lr=0.01 || fail "run with indep_adamw"
one_run --plugin "$tmp/fine.so" --optimizer fine || fail "run with fine"
one_run --optimizer adamw || fail "run with adamw"
isha=$(sha256sum "$tmp/indep_adamw.so" | cut -d' ' -f1)
fsha=$(sha256sum "$tmp/fine.so" | cut -d' ' -f1)
recorded=$(sqlite3 "$tmp/r.db" "select group_concat(json_extract(p.value, '\$.optimizer') || ' ' || json_extract(p.value, '\$.path')
    || ' ' || json_extract(p.value, '\$.sha256'), ',') from sweeps s, json_each(s.plugins) p where s.name = 'adhoc'")
[ "$recorded" = "indep_adamw $tmp/indep_adamw.so $isha,fine $tmp/fine.so $fsha" ] || fail "run recorded '$recorded'"
"$OPTBENCH" list sweeps --format csv --db "$tmp/r.db" >"$tmp/sweeps.csv" || fail "list sweeps"
builds="indep_adamw $(echo "$isha" | cut -c1-12), fine $(echo "$fsha" | cut -c1-12)"
[ "$(sed -n '1s/.*,//p; 2s/.*,"\(.*\)"$/\1/p' "$tmp/sweeps.csv")" = "plugins
$builds" ] || fail "list sweeps does not name the plugin builds: $(cat "$tmp/sweeps.csv")"
id() { sqlite3 "$tmp/r.db" "select id from runs where optimizer = '$1'"; }
"$OPTBENCH" show "$(id indep_adamw)" --db "$tmp/r.db" >"$tmp/show" || fail "show"
grep -q "^plugin  *$tmp/indep_adamw.so (sha256 $isha)$" "$tmp/show" || fail "show does not name the plugin: $(cat "$tmp/show")"
"$OPTBENCH" show "$(id adamw)" --db "$tmp/r.db" >"$tmp/show" || fail "show"
grep -q "^plugin" "$tmp/show" && fail "show names a plugin for a built-in: $(cat "$tmp/show")"
cc -O1 -shared -fPIC -I"$inc" tests/plugins/indep_adamw.c -o "$tmp/indep_O1.so" -lm
osha=$(sha256sum "$tmp/indep_O1.so" | cut -d' ' -f1)
before=$(cksum <"$tmp/r.db")
code=0
one_run --plugin "$tmp/indep_O1.so" --optimizer indep_adamw,lr=0.03 2>"$tmp/err" || code=$?
[ "$code" -eq 2 ] || fail "a run of another build: exit $code, expected 2"
grep -q "run: sweep 'adhoc' in $tmp/r.db ran optimizer indep_adamw from plugin $tmp/indep_adamw.so with SHA-256 $isha, but plugin $tmp/indep_O1.so has SHA-256 $osha: another build; nothing written. Give the run another --sweep NAME" \
    "$tmp/err" || fail "a run of another build: $(cat "$tmp/err")"
[ "$(cksum <"$tmp/r.db")" = "$before" ] || fail "the refused run changed the database"
one_run --plugin "$tmp/indep_O1.so" --optimizer indep_adamw,lr=0.03 --sweep o1 || fail "a run of another build under its own sweep"

# a crash, a hang and NaN each end only their own run
build faulty tests/plugins/faulty.c
cat >"$tmp/faults.yaml" <<YAML
name: faults
steps: 30
timeout_s: 2
plugins: [$tmp/faulty.so]
problems:
  - logreg: {dataset: iris}
optimizers:
  faulty: {fault: [0, 1, 2, 3]}
YAML
code=0
"$OPTBENCH" sweep "$tmp/faults.yaml" --db "$tmp/f.db" --jobs 2 --quiet >/dev/null 2>&1 || code=$?
[ "$code" -eq 3 ] || fail "a sweep with failed runs: exit $code, expected 3"
status() { sqlite3 "$tmp/f.db" "select status || ': ' || coalesce(error, '') from runs where hyperparameters like '%\"fault\":$1,%'"; }
case $(status 0) in "done: ") ;; *) fail "fault 0: $(status 0)" ;; esac
case $(status 1) in "failed: worker killed by signal 11 (Segmentation fault) (after step "*"; optimizer from plugin $tmp/faulty.so)") ;; *) fail "fault 1: $(status 1)" ;; esac
case $(status 2) in "timeout: exceeded timeout_s = 2"*) ;; *) fail "fault 2: $(status 2)" ;; esac
case $(status 3) in "diverged: loss nan at step 4"*) ;; *) fail "fault 3: $(status 3)" ;; esac
"$OPTBENCH" check "$tmp/f.db" >/dev/null || fail "the database is not intact after the failed runs"

# verify, golden and bench run the plugin's steps in a child: a crash ends the
# command with exit 3 and one line naming the plugin, its function, the step
# (and the file or the measurement); what verify printed before is kept
"$OPTBENCH" golden --plugin "$tmp/faulty.so" --optimizer faulty --n 8 --steps 5 --out "$tmp/sgd5.txt" || fail "golden"
"$OPTBENCH" golden --plugin "$tmp/faulty.so" --optimizer faulty --n 8 --steps 8 --out "$tmp/sgd8.txt" || fail "golden"
crashes() { # crashes WHERE ARGS...: exit 3, one line of stderr naming the crash at WHERE
    where=$1
    shift
    code=0
    "$OPTBENCH" "$@" >"$tmp/out" 2>"$tmp/err" || code=$?
    [ "$code" -eq 3 ] || fail "$1 with a crashing plugin: exit $code, expected 3: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$1: not one line: $(cat "$tmp/err")"
    grep -qxF "optbench: plugin $tmp/faulty.so crashed: signal 11 (Segmentation fault) in $where" "$tmp/err" ||
        fail "$1: $(cat "$tmp/err")"
}
crashes "step 6 (verifying $tmp/sgd8.txt)" verify --plugin "$tmp/faulty.so" --optimizer faulty,fault=1,fault_step=6 \
    "$tmp/sgd5.txt" "$tmp/sgd8.txt"
grep -q "^OK  *$tmp/sgd5.txt " "$tmp/out" || fail "verify lost the line of the file before the crash: $(cat "$tmp/out")"
crashes "step 3" golden --plugin "$tmp/faulty.so" --optimizer faulty,fault=1 --n 8 --steps 5 --out "$tmp/crash.txt"
ls "$tmp"/crash.txt* 2>/dev/null && fail "golden wrote a file when the plugin crashed"
crashes "step 3 (timing faulty,fault=1 at n = 1000)" bench --plugin "$tmp/faulty.so" --optimizer faulty,fault=1 \
    --n 1000 --threads 1 --repeats 3 --warmup 1

# a CUDA build's test plugin with a CUDA step (tests/plugins/cuda_lion.cu): listed with it, and its
# CPU step matches the built-in lion's golden vectors (its CUDA step: tests/e2e/plugins_cuda.sh)
cuda_lion=${OPTBENCH_TEST_PLUGINS:-build/tests/plugins}/cuda_lion.so
if "$OPTBENCH" --version | grep -q "with CUDA"; then
    [ -f "$cuda_lion" ] || fail "$cuda_lion is missing in a CUDA build"
    "$OPTBENCH" optimizers --plugin "$cuda_lion" | grep -q "^  from: plugin .*cuda_lion.so (with a CUDA step)$" ||
        fail "cuda_lion is not listed with its CUDA step"
    "$OPTBENCH" verify --plugin "$cuda_lion" --optimizer cuda_lion tests/golden/lion_1.txt tests/golden/lion_2.txt \
        tests/golden/lion_groups_1.txt tests/golden/lion_int8_1.txt >"$tmp/verify" ||
        fail "cuda_lion on the CPU: $(cat "$tmp/verify")"
    # its int8 state is kept on the CPU only: a CUDA run says so before anything is written
    code=0
    "$OPTBENCH" run --plugin "$cuda_lion" --optimizer cuda_lion,state=int8 --problem rosenbrock --steps 3 \
        --device cuda --db "$tmp/cuda.db" 2>"$tmp/err" || code=$?
    [ "$code" -eq 2 ] || fail "cuda_lion,state=int8 on cuda: exit $code, expected 2"
    grep -q "cuda_lion keeps state other than fp32 on the CPU only" "$tmp/err" || fail "cuda int8: $(cat "$tmp/err")"
    [ ! -e "$tmp/cuda.db" ] || fail "cuda_lion,state=int8 on cuda wrote $tmp/cuda.db"
fi

# low-precision state through the ABI: indep_adamw declares bf16, bf16_sr and int8 (v, vm unsigned), so
# optbench keeps its state in those forms and steps it tile by tile; it passes the built-in adamw's
# bf16 and int8 vectors (torch's, tests/golden/gen_lowp.py); with v on the signed map it does not
"$OPTBENCH" verify --plugin "$tmp/indep_adamw.so" --optimizer indep_adamw tests/golden/adamw_int8_1.txt \
    tests/golden/adamw_bf16_1.txt tests/golden/adamw_bf16_2.txt >"$tmp/verify" ||
    fail "indep_adamw, low-precision state: $(cat "$tmp/verify")"
grep -q "3 files, 3 ok" "$tmp/verify" || fail "indep_adamw low precision: $(tail -n 1 "$tmp/verify")"
# bf16_sr draws by the value's index in the buffer, so a plugin's tiles draw as the built-in's loop: a
# tensor of two tiles and one after it
"$OPTBENCH" golden --optimizer adamw,lr=0.01,state=bf16_sr --tensors 'w:matrix:100x100,b:vector:300' --steps 4 \
    --seed 3 --out "$tmp/adamw_sr.txt" || fail "golden bf16_sr"
"$OPTBENCH" verify --plugin "$tmp/indep_adamw.so" --optimizer indep_adamw "$tmp/adamw_sr.txt" >"$tmp/verify" ||
    fail "indep_adamw, bf16_sr: $(cat "$tmp/verify")"
sed 's/unsigned_streams = 6u/unsigned_streams = 0u/' tests/plugins/indep_adamw.c >"$tmp/signed.c"
build signed "$tmp/signed.c"
code=0
"$OPTBENCH" verify --plugin "$tmp/signed.so" --optimizer indep_adamw tests/golden/adamw_int8_1.txt >"$tmp/verify" ||
    code=$?
[ "$code" -eq 1 ] || fail "indep_adamw with a signed v passes the int8 vectors: exit $code, $(cat "$tmp/verify")"
# its int8 run of the digits MLP records the built-in's bytes (2.03 per parameter) and its accuracy
"$OPTBENCH" run --plugin "$tmp/indep_adamw.so" --optimizer indep_adamw,state=int8 --problem mlp,dataset=digits \
    --steps 30 --db "$tmp/lowp.db" >/dev/null || fail "indep_adamw,state=int8 run"
"$OPTBENCH" run --optimizer adamw,state=int8 --problem mlp,dataset=digits --steps 30 --db "$tmp/lowp.db" >/dev/null ||
    fail "adamw,state=int8 run"
[ "$(sqlite3 "$tmp/lowp.db" "select count(distinct state_bytes) || ' ' || min(state_bytes) from runs")" = "1 53128" ] ||
    fail "state bytes: $(sqlite3 "$tmp/lowp.db" "select optimizer, state_bytes from runs")"
# the example ademamix declares them too: its three arrays in int8 take 1.5 times adamw's bytes
"$OPTBENCH" run --plugin "$plugins/ademamix.so" --optimizer ademamix,state=int8 --problem mlp,dataset=digits \
    --steps 30 --db "$tmp/ademamix.db" >/dev/null || fail "ademamix,state=int8 run"
[ "$(sqlite3 "$tmp/ademamix.db" "select status || ' ' || state_bytes from runs")" = "done 79692" ] ||
    fail "ademamix int8: $(sqlite3 "$tmp/ademamix.db" "select status, state_bytes, error from runs")"
# a plugin that declares int8 alone: bf16 is refused naming what it keeps
sed 's/OPTBENCH_STATE_BF16 | OPTBENCH_STATE_BF16_SR | OPTBENCH_STATE_INT8/OPTBENCH_STATE_INT8/' \
    tests/plugins/indep_adamw.c >"$tmp/int8only.c"
build int8only "$tmp/int8only.c"
"$OPTBENCH" optimizers --plugin "$tmp/int8only.so" | grep -q "streams at the defaults: 2; bytes/param at the defaults: fp32 8, int8 2.03$" ||
    fail "optimizers lists: $("$OPTBENCH" optimizers --plugin "$tmp/int8only.so" | grep -A1 '^indep_adamw')"
code=0
"$OPTBENCH" run --plugin "$tmp/int8only.so" --optimizer indep_adamw,state=bf16 --problem rosenbrock --steps 3 \
    --db "$tmp/int8only.db" 2>"$tmp/err" || code=$?
[ "$code" -eq 2 ] || fail "an undeclared precision: exit $code, expected 2"
grep -q "state=bf16: indep_adamw keeps its state in fp32, int8 only" "$tmp/err" || fail "undeclared: $(cat "$tmp/err")"
# a plugin whose state is not state_streams arrays of numel floats: an int8 run fails naming the tensor
sed 's/return (size_t)state_streams(hp) \* t->numel;/return (size_t)state_streams(hp) * t->numel + 1;/' \
    tests/plugins/indep_adamw.c >"$tmp/layout.c"
build layout "$tmp/layout.c"
"$OPTBENCH" run --plugin "$tmp/layout.so" --optimizer indep_adamw,state=int8 --problem mlp,dataset=digits --steps 3 \
    --db "$tmp/layout.db" >"$tmp/out" 2>&1 && fail "an int8 run of a plugin with another layout passed"
grep -q "state=int8 needs state_streams arrays of numel floats (1 to 3): tensor layer0.weight has 16385" "$tmp/out" ||
    fail "layout: $(cat "$tmp/out")"

# the example plugins against their golden vectors (tests/plugins/gen_golden.py)
for p in cautious_lion ademamix; do [ -f "$plugins/$p.so" ] || fail "$plugins/$p.so is missing: run make plugins"; done
"$OPTBENCH" verify --plugin "$plugins/cautious_lion.so" --plugin "$plugins/ademamix.so" --dir tests/plugins/golden \
    >"$tmp/verify" || fail "the examples' golden vectors: $(cat "$tmp/verify")"
grep -q "4 files, 4 ok" "$tmp/verify" || fail "examples: $(tail -n 1 "$tmp/verify")"
echo ok
