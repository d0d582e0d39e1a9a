#!/bin/sh
# cuda_startup.sh — a CUDA build starts without its CUDA libraries: the
# binary needs no libcublas and no shared CUDA runtime at start-up (the
# runtime is linked statically, cuBLAS is opened on first use), a command
# that does not use the GPU maps none of them while it runs, and cuBLAS
# loads when asked (or says which file it could not load, and why). In a
# build without CUDA only the last part applies: `--loaded cublas` is
# refused.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cuda_libs='libcublas|libcudart|libcuda\.so' # what a command without the GPU must not load

if "$OPTBENCH" --version | grep -q "without CUDA"; then
    if "$OPTBENCH" --loaded cublas >/dev/null 2>"$tmp/err"; then fail "--loaded cublas ran in a build without CUDA"; fi
    grep -q "built without CUDA" "$tmp/err" || fail "--loaded cublas said: $(cat "$tmp/err")"
    echo ok
    exit 0
fi

# nothing CUDA among the libraries the binary is linked with (when OPTBENCH
# is the binary itself, not the device bundle's wrapper script)
if [ "$(head -c 4 "$OPTBENCH" | tail -c 3)" = ELF ]; then
    ldd "$OPTBENCH" >"$tmp/ldd" || fail "ldd $OPTBENCH"
    grep -q 'libsqlite3' "$tmp/ldd" || fail "ldd lists no libsqlite3: $(cat "$tmp/ldd")"
    if grep -E "$cuda_libs" "$tmp/ldd"; then fail "optbench is linked against CUDA libraries (above)"; fi
fi

# nor among what a CPU run opens from start to end (dlopen included), nor
# in the mappings of a command that does not use the GPU
LD_DEBUG=files "$OPTBENCH" run --problem rosenbrock --optimizer adamw --steps 10 --db "$tmp/r.db" --quiet \
    2>"$tmp/files" >/dev/null || fail "the CPU run failed: $(tail -n 3 "$tmp/files")"
grep -q 'file=libsqlite3' "$tmp/files" || fail "LD_DEBUG=files listed no library: $(head -n 3 "$tmp/files")"
if grep 'file=' "$tmp/files" | grep -E "$cuda_libs"; then fail "a CPU run loaded CUDA libraries (above)"; fi
"$OPTBENCH" --loaded >"$tmp/maps" || fail "--loaded"
grep -q 'libsqlite3' "$tmp/maps" || fail "--loaded lists no libsqlite3: $(cat "$tmp/maps")"
if grep -E "$cuda_libs" "$tmp/maps"; then fail "CUDA libraries mapped at start-up (above)"; fi

# cuBLAS by name, as the binary opens it (its run path, LD_LIBRARY_PATH, ld.so's cache)
if "$OPTBENCH" --loaded cublas >"$tmp/maps" 2>"$tmp/err"; then
    grep -q '/libcublas\.so' "$tmp/maps" || fail "--loaded cublas maps no libcublas: $(cat "$tmp/maps")"
    grep -q '/libcublasLt\.so' "$tmp/maps" || fail "--loaded cublas maps no libcublasLt: $(cat "$tmp/maps")"
else
    grep -q "cannot load cuBLAS (libcublas\.so\.[0-9]*): " "$tmp/err" || fail "--loaded cublas said: $(cat "$tmp/err")"
fi
# a missing library: exit 2, one line naming the file and dlopen's reason
set +e
OPTBENCH_CUBLAS="$tmp/none/libcublas.so.99" "$OPTBENCH" --loaded cublas >/dev/null 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] || fail "a missing cuBLAS: exit $code"
grep -q "^optbench: cannot load cuBLAS ($tmp/none/libcublas.so.99): .*cannot open shared object file" "$tmp/err" ||
    fail "a missing cuBLAS said: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "a missing cuBLAS: not one line: $(cat "$tmp/err")"
# a library without the functions optbench calls
set +e
OPTBENCH_CUBLAS=libz.so.1 "$OPTBENCH" --loaded cublas >/dev/null 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] || fail "a library that is not cuBLAS: exit $code"
grep -q "cannot load cuBLAS (libz.so.1): no cublasCreate_v2 in it" "$tmp/err" || fail "libz as cuBLAS said: $(cat "$tmp/err")"
echo ok
