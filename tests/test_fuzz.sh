#!/usr/bin/env bash
# Fuzzes the file readers with libFuzzer + ASan + UBSan: tests/fuzz/fuzz_safetensors.cpp always,
# tests/fuzz/fuzz_npz.cpp (algorithms/io/dataset_npz.cpp), and the C interface
# (tests/fuzz/fuzz_c_api.cpp: imitate_policy_open/predict/sample on the safetensors seeds). Each runs for -runs=$FUZZ_RUNS (default 6000) or 30 s,
# whichever comes first, from a temporary copy of the committed seed files; any crash, sanitizer report or
# leak fails the test and leaves the input in <build>/fuzz/<fuzzer>-crash-*. SKIP without clang++/libFuzzer.
# Usage: test_fuzz.sh <source_dir> <build_dir>     (FUZZ_CXX overrides the compiler, FUZZ_SECONDS the budget)
set -euo pipefail
src=$1
build=$2
out=$build/fuzz
cxx=${FUZZ_CXX:-clang++}
seconds=${FUZZ_SECONDS:-30}
runs=${FUZZ_RUNS:-6000}  # CI's time budget (.ci/run under 15 min); raise both for a longer campaign
mkdir -p "$out/obj"

# .ci/run's sanitizer pass sets IMITATE_SKIP_SLOW=1: fuzzing is slow there, and fuzz_npz would link that
# build's gcc-ASan libimitate.so into a clang-ASan binary ("incompatible ASan runtimes"). 77 = meson's SKIP.
if [ "${IMITATE_SKIP_SLOW:-0}" = 1 ]; then
    echo "SKIP: IMITATE_SKIP_SLOW=1"
    exit 77
fi

if ! command -v "$cxx" >/dev/null; then
    echo "SKIP: $cxx not found"
    exit 0
fi
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
    >"$out/probe.cpp"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$out/probe.cpp" -o "$out/probe" 2>"$out/probe.log"; then
    echo "SKIP: $cxx cannot link -fsanitize=fuzzer,address,undefined (libFuzzer missing?):"
    head -3 "$out/probe.log"
    exit 0
fi

# -fno-sanitize-recover: a UBSan report aborts the run instead of scrolling past.
flags=(-std=c++20 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -DEIGEN_DONT_PARALLELIZE -I"$src" -I/usr/include/eigen3)
read -r -a pkg_cflags <<<"$(pkg-config --cflags nlohmann_json libzip)"
read -r -a pkg_libs <<<"$(pkg-config --libs libzip)"
flags+=("${pkg_cflags[@]}")

# Every source, the fuzz targets included, is compiled with coverage instrumentation (fuzzer-no-link) into
# $out/obj and appended to $objs; it is rebuilt only when its source or a header it includes (-MMD) is newer.
object() {
    local cpp=$1 obj dep stale=0
    obj=${objdir:-$out/obj}/$(basename "$cpp" .cpp).o
    if [ ! -f "$obj" ] || [ ! -f "$obj.d" ]; then
        stale=1
    else
        for dep in $(sed -e 's/\\$//' -e 's/^[^:]*://' "$obj.d"); do
            if [ ! -e "$dep" ] || [ "$dep" -nt "$obj" ]; then stale=1; break; fi
        done
    fi
    if [ $stale = 1 ] &&
        ! "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -MMD -MF "$obj.d" -c "$cpp" -o "$obj"; then
        rm -f "$obj"
        echo "FAIL: cannot compile $cpp for fuzzing"
        exit 1
    fi
    objs+=("$obj")
}

# fuzz <name> <extra link args...>: links tests/fuzz/<name>.cpp with the objects in $objs, then runs it.
fuzz() {
    local name=$1
    shift
    object "$src/tests/fuzz/$name.cpp"
    "$cxx" "${flags[@]}" -fsanitize=fuzzer "${objs[@]}" "$@" "${pkg_libs[@]}" -o "$out/$name"
    local corpus
    corpus=$(mktemp -d "$out/corpus_$name.XXXXXX")
    for seed in "${seeds[@]}"; do cp "$seed" "$corpus/"; done
    echo "$name: $(ls "$corpus" | wc -l) seeds, -runs=$runs -max_total_time=$seconds"
    local rc=0
    UBSAN_OPTIONS=print_stacktrace=1 "$out/$name" -runs="$runs" -max_total_time="$seconds" -max_len=4096 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/$name-" "$corpus" \
        >"$out/$name.log" 2>&1 || rc=$?
    rm -rf "$corpus"
    if [ $rc -ne 0 ]; then
        tail -40 "$out/$name.log"
        echo "FAIL: $name found a crash (exit $rc); input saved as $out/$name-*, full log $out/$name.log"
        exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$out/$name.log" | sed "s/^/  /"
}

# Every object of the three sections below first, as many at a time as there are cores (they were compiled
# one after another, 10 of them: the longest part of this test). A failure here is not reported: the
# section's own object() call then finds the object missing, compiles it again and reports the error.
prebuild() {  # prebuild <object dir> <extra flags, space-separated> <source...>
    local dir=$1 extra=$2 cpp
    shift 2
    for cpp in "$@"; do
        (
            objdir=$dir
            [ -z "$extra" ] || read -r -a more <<<"$extra"
            [ -z "$extra" ] || flags+=("${more[@]}")
            objs=()
            object "$cpp" >/dev/null 2>&1
        ) &
        while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
    done
}
mkdir -p "$out/obj" "$out/obj_c_api"
a=$src/algorithms
prebuild "$out/obj" "" "$src/tests/fuzz/fuzz_safetensors.cpp" "$a/io/safetensors.cpp" "$a/io/atomic_file.cpp" \
    "$src/tests/fuzz/fuzz_npz.cpp" "$a/io/dataset_npz.cpp" "$a/dataset.cpp"
prebuild "$out/obj_c_api" "-DEIGEN_MAX_ALIGN_BYTES=64" "$src/tests/fuzz/fuzz_c_api.cpp" "$a/c_api.cpp" \
    "$a/io/policy_checkpoint.cpp" "$a/io/safetensors.cpp" "$a/io/atomic_file.cpp"
wait

# 1. safetensors: the reader alone, seeded with the corrupt-per-rule and valid fixtures.
objs=()
object "$src/algorithms/io/safetensors.cpp"
object "$src/algorithms/io/atomic_file.cpp"
seeds=("$src"/tests/fixtures/safetensors_corrupt/* "$src"/tests/fixtures/safetensors_valid/*)
fuzz fuzz_safetensors

# 2. npz: every file-format source instrumented, the core library (libimitate.so, uninstrumented) linked.
objs=()
for cpp in io/atomic_file.cpp io/dataset_npz.cpp dataset.cpp; do object "$src/algorithms/$cpp"; done
# Seeds: committed .npz fixtures, plus two small valid archives in the documented layout from NumPy
# (stored and deflated), so mutations start past the zip and .npy headers.
mkdir -p "$out/npz_seeds"
/usr/bin/python3 - "$out/npz_seeds" <<'PY' 2>/dev/null || echo "  (no NumPy: no generated npz seeds)"
import sys, numpy as np
N = 3
arrays = dict(observations=np.arange(N * 3, dtype="<f4").reshape(N, 3), actions=np.ones((N, 1), "<f4"),
          rewards=np.zeros(N, "<f4"), terminations=np.zeros(N, bool), truncations=np.array([0, 0, 1], bool),
          episode_ends=np.array([N], "<i8"), states=np.zeros((N, 2), "<f8"))
np.savez(sys.argv[1] + "/stored.npz", **arrays)
np.savez_compressed(sys.argv[1] + "/deflated.npz", **arrays)
PY
mapfile -t seeds < <(find "$src/tests/fixtures" "$out/npz_seeds" -name '*.npz' -size -64k)
fuzz fuzz_npz -L"$build" -limitate -Wl,-rpath,"$build"

# 3. the C interface (imitate.h): imitate_policy_open on every input, predict and sample when it loads.
#    The checkpoint reader, safetensors and the C interface instrumented; the core library linked, with the
#    Eigen ABI define it was built with (its own object directory: other flags than sections 1 and 2).
objs=()
objdir=$out/obj_c_api
mkdir -p "$objdir"
saved_flags=("${flags[@]}")
flags+=(-DEIGEN_MAX_ALIGN_BYTES=64)
for cpp in c_api.cpp io/policy_checkpoint.cpp io/safetensors.cpp io/atomic_file.cpp; do object "$src/algorithms/$cpp"; done
seeds=("$src"/tests/fixtures/safetensors_corrupt/* "$src"/tests/fixtures/safetensors_valid/*
    "$src"/tests/fixtures/torch_bcpolicy_h4.safetensors)
fuzz fuzz_c_api -L"$build" -limitate -Wl,-rpath,"$build"
flags=("${saved_flags[@]}")
unset objdir
echo "PASS"
