#!/bin/sh
# device_bundle.sh — packs what tools/device_check.sh needs on a GPU machine
# that has an NVIDIA driver, the CUDA toolkit and python3 with torch, but no
# package registry: the CUDA build of optbench, every test program, the
# sqlite3 shell (tests/e2e/cuda_gpu.sh queries its results with it) and the
# shared libraries these programs load that such a machine lacks (Debian's
# OpenBLAS, SQLite, libyaml, zlib, Criterion and what they load in turn),
# fetched with `apt-get download` at the installed versions and unpacked
# with `dpkg -x`. The C library, libstdc++, libgcc and the CUDA libraries
# are the GPU machine's own. Every program is reached through a wrapper
# that puts the bundle's lib/ first on LD_LIBRARY_PATH for that program
# alone, so that torch never loads them.
#
# Writes OUT (a .tar.xz of one folder, optbench-device/), prints its size,
# and fails when it is over 64 MiB (what the GPU machine is sent at most,
# with the working tree). `make device-check` runs it.
#
# A FILE.so among the test programs is a test plugin: it goes to plugins/
# (OPTBENCH_TEST_PLUGINS there), unwrapped. cuBLAS is not linked but opened
# on first use; tools/device_check.sh finds it on the GPU machine.
#
# usage: sh tools/device_bundle.sh OUT.tar.xz OPTBENCH_BINARY TEST_PROGRAM|PLUGIN.so...
set -eu
[ $# -ge 2 ] || { echo "usage: sh tools/device_bundle.sh OUT.tar.xz OPTBENCH_BINARY TEST_PROGRAM|PLUGIN.so..." >&2; exit 2; }
out=$1
optbench=$2
shift 2
limit=$((64 * 1024 * 1024))
top=$(dirname "$out")
stage=$top/device-bundle/optbench-device # what the archive holds
root=$top/device-bundle/root             # the unpacked packages
debs=$top/device-debs                    # downloaded packages, kept between runs
rm -rf "$top/device-bundle"
mkdir -p "$stage/bin" "$stage/libexec" "$stage/tests" "$stage/plugins" "$stage/lib" "$root" "$debs"

# Downloads the installed version of Debian package $1 (or the candidate when
# the mirror no longer has it) into $debs and unpacks it into $root.
fetch() {
    pkg=$1
    ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
    set -- "$debs/${pkg}_"*.deb
    if [ ! -f "$1" ]; then
        (cd "$debs" && { apt-get download "$pkg${ver:+=$ver}" || apt-get download "$pkg"; }) >/dev/null 2>&1 || true
        set -- "$debs/${pkg}_"*.deb
        [ -f "$1" ] || { echo "device_bundle: apt-get download $pkg failed (run apt-get update?)" >&2; exit 2; }
    fi
    dpkg -x "$1" "$root"
}

# The Debian package that owns library file $1 (its path as loaded).
owner() {
    real=$(readlink -f "$1")
    for p in "$real" "${real#/usr}" "/usr$real" "$1" "${1#/usr}" "/usr$1"; do
        pkg=$(dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1)
        [ -z "$pkg" ] || { echo "$pkg"; return 0; }
    done
    echo "device_bundle: no Debian package owns $1" >&2
    exit 2
}

# The wrapper bin/$1 or tests/$1 (folder $2) of libexec/$1.
wrap() {
    cat >"$stage/$2/$1" <<WRAP
#!/bin/sh
# $1 of the device bundle, with the bundle's libraries (and the CUDA ones
# tools/device_check.sh found, in OPTBENCH_CUDA_LIBS) first.
here=\$(cd "\$(dirname "\$0")/.." && pwd)
LD_LIBRARY_PATH="\$here/lib\${OPTBENCH_CUDA_LIBS:+:\$OPTBENCH_CUDA_LIBS}\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" \\
    exec "\$here/libexec/$1" "\$@"
WRAP
    chmod 755 "$stage/$2/$1"
}

fetch sqlite3
cp "$root/usr/bin/sqlite3" "$stage/libexec/sqlite3"
wrap sqlite3 bin
cp "$optbench" "$stage/libexec/optbench"
wrap optbench bin
for t in "$@"; do
    case $t in
    *.so) cp "$t" "$stage/plugins/" ;;
    *)
        cp "$t" "$stage/libexec/"
        wrap "$(basename "$t")" tests
        ;;
    esac
done

# Every library the programs load, less those of the C library, the
# compiler's runtime and CUDA, which the GPU machine has.
ldd "$stage"/libexec/* "$stage"/plugins/* | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u |
    grep -v -E '^(libc|libm|libdl|libpthread|librt|libresolv|libstdc\+\+|libgcc_s)\.so|^libcu(da|blas)' >"$top/device-bundle/libs"
pkgs=$(while read -r soname path; do owner "$path"; done <"$top/device-bundle/libs" | sort -u)
for p in $pkgs; do fetch "$p"; done
while read -r soname path; do
    real=$(readlink -f "$path")
    for p in "$real" "${real#/usr}" "/usr$real"; do
        if [ -f "$root$p" ]; then
            cp -L "$root$p" "$stage/lib/$soname"
            break
        fi
    done
    [ -f "$stage/lib/$soname" ] || { echo "device_bundle: $soname ($real) is not in its package" >&2; exit 2; }
done <"$top/device-bundle/libs"

tar -C "$top/device-bundle" -cJf "$out.tmp" optbench-device
mv "$out.tmp" "$out"
size=$(wc -c <"$out")
echo "device bundle: $out, $((size / 1024)) KiB: optbench, $(ls "$stage/tests" | wc -l) test programs," \
    "$(ls "$stage/plugins" | wc -l) test plugins, sqlite3 and" \
    "$(ls "$stage/lib" | wc -l) libraries from $(echo $pkgs sqlite3)"
rm -rf "$top/device-bundle"
[ "$size" -le "$limit" ] || { echo "device_bundle: $out is over 64 MiB" >&2; exit 1; }
