#!/usr/bin/env bash
# One command from a fresh Debian 12 checkout to a built (and tested, or running) imitate.
#   bash scripts/setup.sh         install missing packages, build, run the main job
#   bash scripts/setup.sh test    install missing packages, build, run every test
#   bash scripts/setup.sh bench   install missing packages and the peers', build with the benchmarks, then say how to
#                                 compare with the peers (scripts/bench_vs_torch.py)
# Safe to run again: installs nothing that is already there and reconfigures an existing build/.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-main}
case "$mode" in
main | test | bench) ;;
*)
    echo "usage: bash scripts/setup.sh [main|test|bench]" >&2
    exit 2
    ;;
esac

# 1. Debian packages: only the missing ones, and apt-get update only if something is missing. main: what
#    building and running needs (the meson build also compiles the doctest programs, found through cmake, and
#    the Google Benchmarks; python3-numpy serves the Python module, gnuplot the experiment plots, MuJoCo the
#    robots reacher and push, giflib the evaluation videos). test adds
#    what only tests use: clang + libFuzzer (fuzzing) and PyTorch (the interop tests and the benchmark
#    peers), which pulls in OpenCV and more. bench adds the peers of scripts/bench_vs_torch.py (bench/peers/):
#    PyTorch and libtorch, dlib, and OpenBLAS's threaded build, which both run their products on.
packages=(meson ninja-build cmake pkg-config g++ libeigen3-dev doctest-dev libbenchmark-dev libzip-dev
    nlohmann-json3-dev libcli11-dev libfmt-dev python3-numpy gnuplot-nox libmujoco-dev libgif-dev)
if [ "$mode" = test ]; then
    packages+=(clang libclang-rt-14-dev python3-torch libopenmpi-dev openmpi-bin)
fi
if [ "$mode" = bench ]; then
    packages+=(python3-torch libtorch-dev libdlib-dev libopenblas0-pthread)
fi
missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. Configure (or reconfigure) and build. MuJoCo and giflib were installed above, so their features are
#    required here: a build that silently lost the robots or the videos would be a broken set-up.
# -Dunity=on: each target compiles as one translation unit (Eigen's headers parsed once per target, not per
#    file): a fresh build took 264 s instead of ≈ 430 s here, the same code and the same bytes.
opts=(-Dnative=true --buildtype=release -Dmujoco=enabled -Dgif=enabled -Dunity=on)
[ "$mode" != bench ] || opts+=(-Dbenchmarks=true)  # bench/ is on by default; bench mode insists on it
# A build/ from before 0.2 holds an unversioned libimitate.so that a reconfigure cannot turn into the 0.2
# symlink (ninja's log still owns the old file and removes the new link): start that one afresh.
if [ -f build/libimitate.so ] && [ ! -L build/libimitate.so ]; then rm -rf build; fi
if [ -f build/meson-private/coredata.dat ]; then
    meson setup --reconfigure build "${opts[@]}"
else
    meson setup build "${opts[@]}"
fi
ninja -C build

# 3. Test, or run the main job.
if [ "$mode" = test ]; then
    meson test -C build --print-errorlogs
elif [ "$mode" = bench ]; then
    echo "built with the benchmarks; compare with the peers: /usr/bin/python3 scripts/bench_vs_torch.py [--rounds 3] [--markdown FILE]"
elif [ -x build/apps/imitate ]; then
    ./build/apps/imitate seed
else
    ./build/apps/imitate_toy
fi
