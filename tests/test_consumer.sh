#!/usr/bin/env bash
# imitate as a downstream project sees it. Args: <source dir> <build dir> (the build under test).
#   1. The generated pkg-config file carries only what a consumer needs: -I${includedir}/imitate, Eigen via
#      Requires, the Eigen ABI define; no -march, -O, -DNDEBUG, Eigen tuning or sanitizer flags, no build paths.
#   2. tests/consumer, a standalone Meson project, uses the repository as subprojects/imitate
#      (dependency('imitate', fallback: ...)), builds, runs and prints OK.   [skipped if IMITATE_SKIP_SLOW=1]
#   3. `meson install --destdir` of the build, then a one-file program compiled with
#      `pkg-config --cflags --libs imitate` (with and without -fopenmp) links and runs against the installed
#      library.
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
jobs=${IMITATE_JOBS:-2}

# ------------------------------------------------------------------------------------ 1. the .pc file
pc=$build/meson-private/imitate.pc
[ -f "$pc" ] || fail "no pkg-config file at $pc"
echo "== $pc"
cat "$pc"
for line in Cflags Libs Libs.private; do
    for tok in $(sed -n "s/^$line: *//p" "$pc"); do
        case "$tok" in
        -march=* | -mtune=* | -mcpu=* | -O* | -DNDEBUG | -UNDEBUG | -DEIGEN_STACK_ALLOCATION_LIMIT* | \
            -DEIGEN_DONT_PARALLELIZE* | -ffast-math | -fno-math-errno | -fsanitize* | -g | -Werror*)
            fail "$line in imitate.pc leaks the build's flag '$tok' to consumers" ;;
        esac
    done
done
grep -q '^Cflags:.*-I${includedir}/imitate\b' "$pc" || fail "Cflags must add -I\${includedir}/imitate (root-relative includes)"
grep -q '^Requires:.*eigen3' "$pc" || fail "imitate.pc must require eigen3"
grep -q '^Libs:.*-limitate' "$pc" || fail "imitate.pc must link -limitate"
if grep -qF -e "$build" -e "$src" "$pc"; then fail "imitate.pc names the build or source directory"; fi
# Every path but prefix is ${prefix}-relative, so the file describes any install location (used in step 3).
if grep -E '^[A-Za-z_]+=/' "$pc" | grep -qv '^prefix='; then fail "imitate.pc has an absolute path besides prefix"; fi

# ----------------------------------------------------------------------------- 2. Meson subproject
if [ "${IMITATE_SKIP_SLOW:-0}" = 1 ]; then
    echo "== subproject consumer skipped (IMITATE_SKIP_SLOW=1)"
else
    echo "== subproject consumer"
    cp -r "$src/tests/consumer" "$tmp/consumer"
    mkdir -p "$tmp/consumer/subprojects"
    ln -s "$src" "$tmp/consumer/subprojects/imitate"
    # plain: no optimisation, the library compiles fastest; the point is that it configures, links and runs.
    meson setup "$tmp/consumer-build" "$tmp/consumer" --buildtype=plain --force-fallback-for=imitate \
        -Dimitate:tests=false -Dimitate:benchmarks=false -Dimitate:apps=false >"$tmp/setup.log" 2>&1 ||
        { cat "$tmp/setup.log"; fail "meson setup of tests/consumer with imitate as a subproject"; }
    # Only the consumer and what it links (the core library): the subproject's io library is not its concern.
    ninja -C "$tmp/consumer-build" -j"$jobs" consumer >"$tmp/build.log" 2>&1 ||
        { tail -50 "$tmp/build.log"; fail "building tests/consumer"; }
    out=$("$tmp/consumer-build/consumer") || { echo "$out"; fail "tests/consumer exited non-zero"; }
    echo "$out"
    [ "$(echo "$out" | tail -1)" = OK ] || fail "tests/consumer did not print OK"
fi

# ---------------------------------------------------------------------------- 3. install + pkg-config
echo "== meson install --destdir"
dest=$tmp/dest
meson install -C "$build" --no-rebuild --destdir "$dest" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "meson install --destdir"; }
installed_pc=$(find "$dest" -name imitate.pc | head -1)
[ -n "$installed_pc" ] || fail "meson install put no imitate.pc under the destdir"
prefix=$(sed -n 's/^prefix=//p' "$installed_pc")
root=$dest$prefix
[ -f "$root/include/imitate/engine/engine.hpp" ] || fail "headers are not under include/imitate/<folder>/"
[ -f "$root/include/imitate/autograd/autograd.hpp" ] || fail "autograd headers are not installed"
leftovers=$(find "$root/include/imitate" -name '*.cpp' -o -name meson.build)
[ -z "$leftovers" ] || fail "sources installed with the headers: $leftovers"
# The .pc says prefix=$prefix; the files landed at $dest$prefix. Point prefix there. (pkg-config's
# --define-prefix assumes <prefix>/lib/pkgconfig, not Debian's lib/<triplet>/pkgconfig, and
# PKG_CONFIG_SYSROOT_DIR would also prefix Eigen's -I/usr/include/eigen3.)
mkdir -p "$tmp/pc"
sed "s|^prefix=.*|prefix=$root|" "$installed_pc" >"$tmp/pc/imitate.pc"
flags=$(PKG_CONFIG_PATH=$tmp/pc pkg-config --cflags --libs imitate) || fail "pkg-config --cflags --libs imitate"
echo "pkg-config --cflags --libs imitate: $flags"
libdir=$(PKG_CONFIG_PATH=$tmp/pc pkg-config --variable=libdir imitate)
[ -e "$libdir/libimitate.so" ] || fail "no libimitate.so in $libdir"

# A sanitized build installs a sanitized library: its consumers link the same runtime.
san=$(meson introspect "$build" --buildoptions | python3 -c \
    'import json, sys; v = [o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"]; print(v[0] if v else "none")')
sanflags=()
[ "$san" = none ] || sanflags=("-fsanitize=$san")
cxx=${CXX:-c++}
for omp in "" -fopenmp; do
    echo "== $cxx -std=c++20 ${sanflags[*]} $omp main.cpp \$(pkg-config --cflags --libs imitate)"
    # shellcheck disable=SC2086  # flags are a list of words
    "$cxx" -std=c++20 "${sanflags[@]}" $omp "$src/tests/consumer/main.cpp" $flags -o "$tmp/prog" ||
        fail "compiling a program against the installed imitate (${omp:-no -fopenmp})"
    out=$(LD_LIBRARY_PATH=$libdir "$tmp/prog") || { echo "$out"; fail "the installed-library program failed (${omp:-no -fopenmp})"; }
    echo "$out"
    [ "$(echo "$out" | tail -1)" = OK ] || fail "the installed-library program did not print OK"
done
echo "consumer: all checks passed"
