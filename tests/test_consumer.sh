#!/usr/bin/env bash
# imitate as a downstream project sees it. Args: <source dir> <build dir> (the build under test).
#   0. Checkpoints to run: one trained by the build's `imitate train` (MSE, normalised, H = 4), one GMM (for
#      sampling), and the PyTorch-written tests/fixtures/torch_bcpolicy_h4.safetensors; the reference output
#      of each is `imitate predict` (and `imitate predict --sample --seed 3`).
#   1. The generated pkg-config files (imitate, imitate-io) carry only what a consumer needs:
#      -I${includedir}/imitate, Eigen via Requires, the Eigen ABI define; no -march, -O, -DNDEBUG, Eigen
#      tuning or sanitizer flags, no build paths.
#   2. tests/consumer, a standalone Meson project, uses the repository as subprojects/imitate
#      (dependency('imitate'/'imitate-io', fallback: ...)), builds with the build's own options, runs
#      consumer (prints OK) and predict (matches `imitate predict` bit for bit). [skipped if IMITATE_SKIP_SLOW=1]
#   3. `meson install --destdir` of the build into a temporary prefix: the tree has both libraries with their
#      SONAMEs, the .pc files, the CMake package, include/imitate/imitate.h and the Python module, and no
#      sources. Against it, each of these matches `imitate predict` exactly on every checkpoint:
#        C++ via pkg-config (tests/consumer/predict.cpp; main.cpp too, with and without -fopenmp),
#        CMake via find_package(imitate 0.2) + imitate::imitate (tests/consumer/CMakeLists.txt),
#        C via imitate.h (tests/consumer/predict.c, cc -std=c99),
#        Python via the installed imitate.py (tests/consumer/predict.py; SKIP without NumPy).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/script_setup.sh"  # src, build, tmp (removed on exit), fail
jobs=${IMITATE_JOBS:-2}

# A sanitized build installs a sanitized library: its consumers link the same runtime.
san=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c \
    'import json, sys; v = [o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"]; print(v[0] if v else "none")')
sanflags=()
[ "$san" = none ] || sanflags=("-fsanitize=$san")

# ------------------------------------------------------------------------ 0. checkpoints and references
imitate=$build/apps/imitate
[ -x "$imitate" ] || fail "$imitate not built"
obs=0.5,-0.25,1.5  # exact in binary: every consumer parses the same floats
ck=$tmp/ck
mkdir -p "$ck"
"$imitate" --quiet collect --expert swingup --episodes 2 --seed 1 --out "$ck/demos.npz" || fail "imitate collect"
"$imitate" --quiet train --data "$ck/demos.npz" --chunk 4 --epochs 2 --normalize --out "$ck/trained.safetensors" ||
    fail "imitate train"
"$imitate" --quiet train --data "$ck/demos.npz" --chunk 2 --epochs 2 --head gmm --out "$ck/gmm.safetensors" ||
    fail "imitate train --head gmm"
cp "$src/tests/fixtures/torch_bcpolicy_h4.safetensors" "$ck/torch.safetensors"
# cases: "<checkpoint> [seed]"; the reference output of each in $ck/<checkpoint>[.<seed>].want
cases=("trained" "torch" "gmm" "gmm 3")
for c in "${cases[@]}"; do
    read -r name seed <<<"$c"
    if [ -n "$seed" ]; then
        "$imitate" predict --policy "$ck/$name.safetensors" --obs "$obs" --sample --seed "$seed" >"$ck/$name.$seed.want"
    else
        "$imitate" predict --policy "$ck/$name.safetensors" --obs "$obs" >"$ck/$name.want"
    fi
done
echo "== reference (imitate predict --obs $obs): $(tr '\n' ' ' <"$ck/trained.want")"

# matches <label> <command...>: runs `<command> <checkpoint> <obs> [seed]` for every case and compares its
# output with `imitate predict`'s byte for byte.
matches() {
    local label=$1 c name seed want out
    shift
    for c in "${cases[@]}"; do
        read -r name seed <<<"$c"
        want=$ck/$name${seed:+.$seed}.want
        out=$("$@" "$ck/$name.safetensors" "$obs" $seed) || fail "$label on $name${seed:+ (seed $seed)} exited non-zero"
        if [ "$out" != "$(cat "$want")" ]; then
            echo "got:"; echo "$out"; echo "imitate predict:"; cat "$want"
            fail "$label on $name${seed:+ (seed $seed)} differs from imitate predict"
        fi
    done
    echo "$label: ${#cases[@]} predictions match imitate predict exactly"
}

# ----------------------------------------------------------------------------------- 1. the .pc files
for name in imitate imitate-io; do
    pc=$build/meson-private/$name.pc
    [ -f "$pc" ] || fail "no pkg-config file at $pc"
    echo "== $pc"
    cat "$pc"
    for line in Cflags Libs Libs.private; do
        for tok in $(sed -n "s/^$line: *//p" "$pc"); do
            case "$tok" in
            -march=* | -mtune=* | -mcpu=* | -O* | -DNDEBUG | -UNDEBUG | -DEIGEN_STACK_ALLOCATION_LIMIT* | \
                -DEIGEN_DONT_PARALLELIZE* | -ffast-math | -fno-math-errno | -fsanitize* | -g | -Werror*)
                fail "$line in $name.pc leaks the build's flag '$tok' to consumers" ;;
            esac
        done
    done
    grep -q '^Cflags:.*-I${includedir}/imitate\b' "$pc" || fail "Cflags must add -I\${includedir}/imitate (root-relative includes)"
    grep -q '^Cflags:.*-DEIGEN_MAX_ALIGN_BYTES=64' "$pc" || fail "$name.pc must carry the Eigen ABI define"
    grep -q '^Requires:.*eigen3' "$pc" || fail "$name.pc must require eigen3"
    grep -q "^Libs:.*-l$name\\b" "$pc" || fail "$name.pc must link -l$name"
    grep -q '^Version: ' "$pc" || fail "$name.pc has no Version"
    if grep -qF -e "$build" -e "$src" "$pc"; then fail "$name.pc names the build or source directory"; fi
    # Every path but prefix is ${prefix}-relative, so the file describes any install location (used in step 3).
    if grep -E '^[A-Za-z_]+=/' "$pc" | grep -qv '^prefix='; then fail "$name.pc has an absolute path besides prefix"; fi
done
grep -q '^Requires:.*\bimitate\b' "$build/meson-private/imitate-io.pc" || fail "imitate-io.pc must require imitate"

# ----------------------------------------------------------------------------- 2. Meson subproject
if [ "${IMITATE_SKIP_SLOW:-0}" = 1 ]; then
    echo "== subproject consumer skipped (IMITATE_SKIP_SLOW=1)"
else
    echo "== subproject consumer"
    cp -r "$src/tests/consumer" "$tmp/consumer"
    mkdir -p "$tmp/consumer/subprojects"
    ln -s "$src" "$tmp/consumer/subprojects/imitate"
    # The build's own -march, unoptimised (-O0, NDEBUG): what this checks is that imitate works as a subproject
    # (its options, dependencies and headers), and -O0 compiled it in 63 s instead of 97 s (CI time). The bits
    # still match the build's `imitate predict`: the project compiles with -ffp-contract=off (no optimisation
    # level fuses a·b+c into an FMA of its own) and the kernels' FMAs are intrinsics. The library compiles as
    # a unity build (one translation unit per target), as scripts/setup.sh builds it.
    native=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(str(o.get("native", False)).lower())')
    meson setup "$tmp/consumer-build" "$tmp/consumer" -Doptimization=0 -Ddebug=false -Db_ndebug=true \
        --force-fallback-for=imitate,imitate-io -Dunity=subprojects -Dimitate:native="$native" -Dimitate:tests=false \
        -Dimitate:benchmarks=false -Dimitate:apps=false >"$tmp/setup.log" 2>&1 ||
        { cat "$tmp/setup.log"; fail "meson setup of tests/consumer with imitate as a subproject"; }
    ninja -C "$tmp/consumer-build" -j"$jobs" consumer predict >"$tmp/build.log" 2>&1 ||
        { tail -50 "$tmp/build.log"; fail "building tests/consumer"; }
    out=$("$tmp/consumer-build/consumer") || { echo "$out"; fail "tests/consumer exited non-zero"; }
    echo "$out"
    [ "$(echo "$out" | tail -1)" = OK ] || fail "tests/consumer did not print OK"
    matches "Meson subproject (predict.cpp)" "$tmp/consumer-build/predict"
fi

# ---------------------------------------------------------------------- 3. install into a temporary prefix
echo "== meson install --destdir"
dest=$tmp/dest
meson install -C "$build" --no-rebuild --destdir "$dest" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "meson install --destdir"; }
installed_pc=$(find "$dest" -name imitate.pc | head -1)
[ -n "$installed_pc" ] || fail "meson install put no imitate.pc under the destdir"
prefix=$(sed -n 's/^prefix=//p' "$installed_pc")
root=$dest$prefix
echo "install tree ($root):"
(cd "$root" && find . -path ./include/imitate -prune -o -print | sort | sed 's/^/  /')
echo "  ./include/imitate: $(find "$root/include/imitate" -type f | wc -l) headers"
[ -f "$root/include/imitate/engine/engine.hpp" ] || fail "headers are not under include/imitate/<folder>/"
[ -f "$root/include/imitate/autograd/autograd.hpp" ] || fail "autograd headers are not installed"
[ -f "$root/include/imitate/algorithms/io/policy_checkpoint.hpp" ] || fail "algorithms headers are not installed"
[ -f "$root/include/imitate/imitate.h" ] || fail "the C header is not at include/imitate/imitate.h"
[ ! -e "$root/include/imitate/algorithms/imitate.h" ] || fail "imitate.h installed twice"
leftovers=$(find "$root/include/imitate" -name '*.cpp' -o -name meson.build)
[ -z "$leftovers" ] || fail "sources installed with the headers: $leftovers"
cmake_cfg=$(find "$root" -name imitateConfig.cmake | head -1)
[ -n "$cmake_cfg" ] || fail "no imitateConfig.cmake installed"
[ -f "$(dirname "$cmake_cfg")/imitateConfigVersion.cmake" ] || fail "no imitateConfigVersion.cmake beside imitateConfig.cmake"
pymod=$(find "$root" -name imitate.py | head -1)
[ -n "$pymod" ] || fail "the Python module is not installed"
# The .pc says prefix=$prefix; the files landed at $dest$prefix. Point prefix there. (pkg-config's
# --define-prefix assumes <prefix>/lib/pkgconfig, not Debian's lib/<triplet>/pkgconfig, and
# PKG_CONFIG_SYSROOT_DIR would also prefix Eigen's -I/usr/include/eigen3.)
mkdir -p "$tmp/pc"
for name in imitate imitate-io; do
    sed "s|^prefix=.*|prefix=$root|" "$(dirname "$installed_pc")/$name.pc" >"$tmp/pc/$name.pc"
done
export PKG_CONFIG_PATH=$tmp/pc
flags=$(pkg-config --cflags --libs imitate) || fail "pkg-config --cflags --libs imitate"
ioflags=$(pkg-config --cflags --libs imitate-io) || fail "pkg-config --cflags --libs imitate-io"
echo "pkg-config --cflags --libs imitate-io: $ioflags"
libdir=$(pkg-config --variable=libdir imitate)
for lib in libimitate libimitate-io; do
    [ -e "$libdir/$lib.so" ] || fail "no $lib.so in $libdir"
    soname=$(objdump -p "$libdir/$lib.so" | sed -n 's/^ *SONAME *//p')
    [ -e "$libdir/$soname" ] || fail "$lib.so's SONAME $soname is not installed"
    echo "$lib.so: SONAME $soname"
done
export LD_LIBRARY_PATH=$libdir

cxx=${CXX:-c++}
cc=${CC:-cc}
# C++ via pkg-config: the training consumer (core library only), with and without -fopenmp ...
for omp in "" -fopenmp; do
    echo "== $cxx -std=c++20 ${sanflags[*]} $omp main.cpp \$(pkg-config --cflags --libs imitate)"
    # shellcheck disable=SC2086  # flags are a list of words
    "$cxx" -std=c++20 "${sanflags[@]}" $omp "$src/tests/consumer/main.cpp" $flags -o "$tmp/prog" ||
        fail "compiling a program against the installed imitate (${omp:-no -fopenmp})"
    out=$("$tmp/prog") || { echo "$out"; fail "the installed-library program failed (${omp:-no -fopenmp})"; }
    echo "$out"
    [ "$(echo "$out" | tail -1)" = OK ] || fail "the installed-library program did not print OK"
done
# ... and the policy runner (load_policy from imitate-io).
echo "== $cxx -std=c++20 ${sanflags[*]} predict.cpp \$(pkg-config --cflags --libs imitate-io)"
# shellcheck disable=SC2086
"$cxx" -std=c++20 "${sanflags[@]}" "$src/tests/consumer/predict.cpp" $ioflags -o "$tmp/predict_cpp" ||
    fail "compiling predict.cpp against the installed imitate-io"
matches "C++ via pkg-config" "$tmp/predict_cpp"

# C via imitate.h: a C99 program, <imitate/imitate.h>, linked with the C compiler.
echo "== $cc -std=c99 ${sanflags[*]} predict.c \$(pkg-config --cflags --libs imitate-io)"
# shellcheck disable=SC2086
"$cc" -std=c99 -Wall -Wextra -Werror "${sanflags[@]}" "$src/tests/consumer/predict.c" $ioflags -o "$tmp/predict_c" ||
    fail "compiling predict.c against the installed imitate.h"
matches "C via imitate.h" "$tmp/predict_c"

# CMake via find_package(imitate 0.2 CONFIG REQUIRED) and imitate::imitate.
if command -v cmake >/dev/null; then
    echo "== cmake: find_package(imitate 0.2 CONFIG REQUIRED), CMAKE_PREFIX_PATH=$root"
    cmake -S "$src/tests/consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$root" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_FLAGS="${sanflags[*]}" >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "cmake configure"; }
    grep -q 'EIGEN_MAX_ALIGN_BYTES=64' "$tmp/cmake-build/CMakeFiles/predict.dir/flags.make" ||
        fail "imitate::imitate did not bring the Eigen ABI define"
    cmake --build "$tmp/cmake-build" -j"$jobs" >"$tmp/cmake-build.log" 2>&1 ||
        { cat "$tmp/cmake-build.log"; fail "cmake --build"; }
    matches "CMake find_package" "$tmp/cmake-build/predict"
    # The version file refuses another minor version (before 1.0 a minor release may break the API).
    mkdir -p "$tmp/cmake-other"
    printf 'cmake_minimum_required(VERSION 3.16)\nproject(p NONE)\nfind_package(imitate 0.1 CONFIG REQUIRED)\n' \
        >"$tmp/cmake-other/CMakeLists.txt"
    if cmake -S "$tmp/cmake-other" -B "$tmp/cmake-other/b" -DCMAKE_PREFIX_PATH="$root" >/dev/null 2>&1; then
        fail "find_package(imitate 0.1) accepted version $(pkg-config --modversion imitate)"
    fi
else
    fail "cmake not found (scripts/setup.sh installs it)"
fi

# Python via the installed module.
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    echo "== Python consumer SKIPPED: /usr/bin/python3 cannot import numpy"
else
    echo "== Python: PYTHONPATH=$(dirname "$pymod") python3 predict.py"
    pyenv=(env PYTHONPATH="$(dirname "$pymod")" PYTHONDONTWRITEBYTECODE=1)
    if [ "$san" != none ]; then
        # python3 is not sanitized: the runtimes the library needs go first, leaks are the interpreter's.
        pre=$("$cxx" -print-file-name=libasan.so):$("$cxx" -print-file-name=libubsan.so)
        pyenv+=(LD_PRELOAD="$pre" ASAN_OPTIONS=detect_leaks=0)
    fi
    matches "Python (installed imitate.py)" "${pyenv[@]}" /usr/bin/python3 "$src/tests/consumer/predict.py"
    err=$("${pyenv[@]}" /usr/bin/python3 -c 'import imitate; imitate.Policy("/nonexistent.safetensors")' 2>&1) &&
        fail "Python: opening a missing file did not raise"
    echo "$err" | grep -q 'imitate.ImitateError: /nonexistent.safetensors' || { echo "$err"; fail "Python: wrong exception"; }
fi
echo "consumer: all checks passed"
