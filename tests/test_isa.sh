#!/usr/bin/env bash
# Run-time kernel dispatch (engine/gemm.hpp) seen from the command line. Args: <source dir> <build dir>.
#   1. IMITATE_ISA: an unknown value is one error line and a non-zero exit; every level this CPU runs gives
#      a training run (collect, train, predict) whose files are identical byte for byte to the default's
#      when it is AVX2 or AVX-512 (their kernels make the same sums), on 1 and on 2 threads.
#   2. The other kind of build (a default one if the build under test has -Dnative=true, a native one
#      otherwise) of just libimitate (where all the arithmetic is: engine, autograd, envs, algorithms),
#      configured in <build>/test_isa_other (kept, so a rerun only recompiles what changed; ccache if
#      present) with the build's other options. The build's own `imitate` runs on it (LD_LIBRARY_PATH
#      comes before the command's RUNPATH): the same run gives the same bytes.
#      [skipped if IMITATE_SKIP_SLOW=1: .ci/run's sanitizer pass, whose first pass runs it]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/script_setup.sh"  # src, build, tmp (removed on exit), fail
start=$SECONDS

# run <imitate> <out dir> <threads> [env...]: a short training run; its files are demos.npz,
# policy.safetensors and predict.txt (the predicted chunk printed with every bit).
run() {
    local imitate=$1 out=$2 threads=$3
    shift 3
    mkdir -p "$out"
    env "$@" "$imitate" --threads "$threads" --quiet collect --expert swingup --episodes 3 --seed 1 --out "$out/demos.npz" ||
        fail "collect ($*)"
    env "$@" "$imitate" --threads "$threads" --quiet train --data "$out/demos.npz" --chunk 4 --epochs 3 --normalize \
        --out "$out/policy.safetensors" || fail "train ($*)"
    env "$@" "$imitate" --threads "$threads" predict --policy "$out/policy.safetensors" --obs 0.5,-0.25,1.5 >"$out/predict.txt" ||
        fail "predict ($*)"
}
same() {  # same <dir a> <dir b> <what>
    for f in demos.npz policy.safetensors predict.txt; do
        cmp "$1/$f" "$2/$f" >/dev/null || fail "$3: $f differs"
    done
    echo "ok: $3"
}

imitate=$build/apps/imitate
[ -x "$imitate" ] || fail "$imitate not built"

# ------------------------------------------------------------------------------------ 1. IMITATE_ISA
set +e
err=$(IMITATE_ISA=sse9 "$imitate" predict --policy "$src/tests/fixtures/torch_bcpolicy_h4.safetensors" \
    --obs 0,0,0 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "IMITATE_ISA=sse9 exited 0"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "IMITATE_ISA=sse9: expected one error line, got: $err"
case $err in *"IMITATE_ISA: 'sse9' is not one of avx512, avx2, baseline"*) ;; *) fail "IMITATE_ISA=sse9: $err" ;; esac
echo "ok: IMITATE_ISA=sse9 -> $err"

run "$imitate" "$tmp/default" 1
run "$imitate" "$tmp/default-2" 2
same "$tmp/default" "$tmp/default-2" "default level, 1 and 2 threads"
best=""
for level in avx512 avx2 baseline; do
    if IMITATE_ISA=$level "$imitate" predict --policy "$tmp/default/policy.safetensors" --obs 0,0,0 >/dev/null 2>&1; then
        [ -n "$best" ] || best=$level
        run "$imitate" "$tmp/$level-1" 1 IMITATE_ISA=$level
        run "$imitate" "$tmp/$level-2" 2 IMITATE_ISA=$level
        same "$tmp/$level-1" "$tmp/$level-2" "IMITATE_ISA=$level, 1 and 2 threads"
        [ "$level" = baseline ] || same "$tmp/default" "$tmp/$level-1" "IMITATE_ISA=$level equals the default level"
    else
        echo "-- this CPU does not run $level"
    fi
done

# ---------------------------------------------------------------- 2. a native and a default build agree
if [ "${IMITATE_SKIP_SLOW:-0}" = 1 ]; then
    echo "== the other build skipped (IMITATE_SKIP_SLOW=1); $((SECONDS - start)) s"
    exit 0
fi
option() {  # the build's value of a Meson option
    meson introspect "$build" --buildoptions | /usr/bin/python3 -c \
        'import json, sys; print([str(o["value"]).lower() for o in json.load(sys.stdin) if o["name"] == sys.argv[1]][0])' "$1"
}
native=$(option native)
other_native=$([ "$native" = true ] && echo false || echo true)
other=$build/test_isa_other
opts=(-Dnative=$other_native --buildtype=release -Dtests=false -Dbenchmarks=false -Dapps=false -Dunity=on
    -Dmujoco=$(option mujoco) -Dgif=$(option gif) -Dopenmp=$(option openmp))
if [ -f "$other/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$other" "$src" "${opts[@]}" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "meson setup"; }
else
    meson setup "$other" "$src" "${opts[@]}" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "meson setup"; }
fi
lib=$(basename "$(readlink -f "$build/libimitate.so")")  # libimitate.so.MAJOR.MINOR.PATCH
ninja -C "$other" "$lib" >"$tmp/ninja.log" 2>&1 || { tail -30 "$tmp/ninja.log"; fail "ninja"; }
echo "== built the -Dnative=$other_native $lib after $((SECONDS - start)) s"
LD_LIBRARY_PATH=$other ldd "$imitate" | grep -q "$other/libimitate.so" || fail "imitate does not load $other/$lib"
run "$imitate" "$tmp/other" 1 LD_LIBRARY_PATH="$other"
same "$tmp/default" "$tmp/other" "libimitate built with -Dnative=$other_native equals the -Dnative=$native one (level $best)"
echo "== $((SECONDS - start)) s"
