#!/usr/bin/env bash
# Collecting the seed's demonstrations (100 PD-expert episodes x 200 steps of Pendulum-v1): our lockstep
# rollout into a Dataset (bench/bench_env, BM_Collect100x200PD_vs_numpy at 1 and 2 threads) against the
# NumPy replica of Gymnasium (../shared/anchors/pendulum.py: reset, expert_action, step, lists -> arrays).
# Interleaved for 5 rounds because the machine's speed drifts; prints the medians and the ratios.
# Usage: scripts/bench_env_vs_numpy.sh [build_dir]     (default: build-envs; needs -Dbenchmarks=true)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build-envs}
bench=$build/bench/bench_env
anchors=$repo/../shared/anchors
rounds=${ROUNDS:-5}
[ -x "$bench" ] || { echo "missing $bench: configure with -Dbenchmarks=true and build it" >&2; exit 1; }
[ -f "$anchors/pendulum.py" ] || { echo "missing $anchors/pendulum.py (the NumPy replica)" >&2; exit 1; }

py_collect() {
    # Seconds for one collection, best of 3 inside one process (one collection is ~100 ms).
    /usr/bin/python3 - "$anchors" <<'PY'
import sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
import pendulum as ref

def collect():
    env = ref.PendulumEnv()
    obs_l, act_l, rew_l, ends = [], [], [], []
    for ep in range(100):
        obs, _ = env.reset(seed=ep)
        while True:
            a = ref.expert_action(obs)
            nobs, r, term, trunc, _ = env.step(a)
            obs_l.append(obs); act_l.append(a); rew_l.append(r)
            obs = nobs
            if term or trunc:
                break
        ends.append(len(obs_l))
    d = dict(observations=np.array(obs_l, np.float32), actions=np.array(act_l, np.float32),
             rewards=np.array(rew_l, np.float32), episode_ends=np.array(ends, np.int64))
    assert d["observations"].shape == (20000, 3) and d["episode_ends"][-1] == 20000
    return d

best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    collect()
    best = min(best, time.perf_counter() - t0)
print(f"{best * 1e3:.3f}")
PY
}

cpp_collect() {  # milliseconds per collection at $1 threads (Google Benchmark's mean real time)
    "$bench" --benchmark_filter="BM_Collect100x200PD_vs_numpy/threads:$1/" --benchmark_format=json \
        --benchmark_min_time=0.5 2>/dev/null |
        /usr/bin/python3 -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print("%.3f" % b["real_time"])'
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

np_ms=() c1_ms=() c2_ms=()
for r in $(seq 1 "$rounds"); do
    np_ms+=("$(py_collect)")
    c1_ms+=("$(cpp_collect 1)")
    c2_ms+=("$(cpp_collect 2)")
    echo "round $r: numpy ${np_ms[-1]} ms, imitate 1 thread ${c1_ms[-1]} ms, 2 threads ${c2_ms[-1]} ms"
done
np=$(median "${np_ms[@]}")
c1=$(median "${c1_ms[@]}")
c2=$(median "${c2_ms[@]}")
echo "median over $rounds rounds, 100 episodes x 200 steps with the PD expert:"
echo "  numpy replica (gymnasium dynamics)  $np ms"
echo "  imitate, 1 thread                   $c1 ms   ($(awk -v a="$np" -v b="$c1" 'BEGIN {printf "%.0f", a / b}')x faster)"
echo "  imitate, 2 threads                  $c2 ms   ($(awk -v a="$np" -v b="$c2" 'BEGIN {printf "%.0f", a / b}')x faster)"
