#!/bin/sh
# run.sh BUILD — runs each libFuzzer target BUILD/fuzz/fuzz_T (T in
# $FUZZ_TARGETS) for $FUZZ_TIME seconds from the repository root, from a
# corpus under BUILD/corpus/T seeded with the files of tests/ (kept between
# runs, so that a later run continues). Crashing, leaking or timing-out
# inputs land in BUILD/artifacts/T/; copy each into tests/fuzz/regress/T/,
# where `make test` replays it through the gcc build (test_fuzz_regress).
# Prints one line per target: executions, corpus size, artifacts.
set -u
build=${1:?usage: run.sh BUILD}
: "${FUZZ_TIME:=60}" "${FUZZ_TARGETS:=sweep spec csv libsvm idx golden}"
status=0

# seed T FILE...: copies files into T's corpus
seed() {
    t=$1
    shift
    mkdir -p "$build/corpus/$t"
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$build/corpus/$t/seed-$(basename "$f")"; done
}
seed sweep tests/sweeps/*.yaml tests/sweeps/bad/*.yaml sweeps/*.yaml
seed csv tests/data/*.csv tests/data/*.csv.gz data/iris.csv
seed libsvm tests/data/*.svm
seed golden tests/golden/adam_1.txt tests/golden/lion_1.txt tests/golden/sgd_1.txt
mkdir -p "$build/corpus/spec" "$build/corpus/idx"
i=0
for s in 'adam,lr=1e-3,beta1=0.9' 'lion,lr=3e-4,weight_decay=0.5,wd_mode=l2' 'sgd,lr=0.1,momentum=0.9,nesterov=true' \
         'rosenbrock,dim=10,noise=0.1' 'mlp,dataset=iris,hidden=[16,8],activation=gelu,batch=0' \
         'logreg,dataset=csv:tests/data/good_plain.csv,test_fraction=0.5' 'transformer,task=modadd,p=7,layers=1' \
         'cosine,warmup=10,min_lr=0.1' 'linear,warmup=5'; do
    printf '%s' "$s" >"$build/corpus/spec/seed-$i"
    i=$((i + 1))
done
for f in tests/data/*-images.idx*; do { printf '\000'; cat "$f"; } >"$build/corpus/idx/seed-$(basename "$f")"; done
for f in tests/data/*-labels.idx*; do { printf '\001'; cat "$f"; } >"$build/corpus/idx/seed-$(basename "$f")"; done

for t in $FUZZ_TARGETS; do
    mkdir -p "$build/artifacts/$t"
    log="$build/fuzz-$t.log"
    ASAN_OPTIONS=detect_leaks=1 "$build/fuzz/fuzz_$t" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" "$build/corpus/$t" >"$log" 2>&1 &
    pid=$!
    wait $pid
    code=$?
    rm -f "/dev/shm/optbench-fuzz-$pid-"*
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    found=$(ls "$build/artifacts/$t" | wc -l)
    echo "fuzz_$t: ${execs:-?} executions in ${FUZZ_TIME} s, corpus $(ls "$build/corpus/$t" | wc -l), artifacts $found (exit $code; log $log)"
    [ "$code" -eq 0 ] && [ "$found" -eq 0 ] || status=1
done
exit $status
