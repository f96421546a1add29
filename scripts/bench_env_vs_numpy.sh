#!/usr/bin/env bash
# Collecting the seed's demonstrations (100 PD-expert episodes x 200 steps of Pendulum-v1): our lockstep
# rollout into a Dataset (bench/bench_env, BM_Collect100x200PD_vs_numpy at 1 and 2 threads) against the
# NumPy replica of Gymnasium (bench/peers/pendulum.py: reset, expert_action, step, lists -> arrays).
# Interleaved for 5 rounds because the machine's speed drifts; prints the medians and the ratios of wall
# time, and of CPU time (this process's, which is steadier when other jobs share the cores; 1 thread only,
# since Google Benchmark's CPU time counts the main thread).
# Usage: scripts/bench_env_vs_numpy.sh [build_dir]     (default: build, as the README's commands make it)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build}
bench=$build/bench/bench_env
peers=$repo/bench/peers
rounds=${ROUNDS:-5}
[ -x "$bench" ] || { echo "missing $bench: configure with -Dbenchmarks=true and build it" >&2; exit 1; }
[ -f "$peers/pendulum.py" ] || { echo "missing $peers/pendulum.py (the NumPy replica)" >&2; exit 1; }
/usr/bin/python3 -c "import numpy" 2>/dev/null || { echo "NumPy is missing: bash scripts/setup.sh bench (or apt-get install -y python3-numpy)" >&2; exit 1; }

py_collect() {
    # "wall_ms cpu_ms" of one collection, best of 3 inside one process.
    /usr/bin/python3 - "$peers" <<'PY'
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

best, best_cpu = float("inf"), float("inf")
for _ in range(3):
    t0, c0 = time.perf_counter(), time.process_time()
    collect()
    best = min(best, time.perf_counter() - t0)
    best_cpu = min(best_cpu, time.process_time() - c0)
print(f"{best * 1e3:.3f} {best_cpu * 1e3:.3f}")
PY
}

cpp_collect() {  # "wall_ms cpu_ms" per collection at $1 threads (Google Benchmark's mean real and CPU time)
    "$bench" --benchmark_filter="BM_Collect100x200PD_vs_numpy/threads:$1/" --benchmark_format=json \
        --benchmark_min_time=0.5 2>/dev/null |
        /usr/bin/python3 -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print("%.3f %.3f" % (b["real_time"], b["cpu_time"]))'
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

np_ms=() c1_ms=() c2_ms=() np_cpu=() c1_cpu=()
for r in $(seq 1 "$rounds"); do
    read -r w c <<<"$(py_collect)"; np_ms+=("$w"); np_cpu+=("$c")
    read -r w c <<<"$(cpp_collect 1)"; c1_ms+=("$w"); c1_cpu+=("$c")
    read -r w c <<<"$(cpp_collect 2)"; c2_ms+=("$w")
    echo "round $r: numpy ${np_ms[-1]} ms (cpu ${np_cpu[-1]}), imitate 1 thread ${c1_ms[-1]} ms (cpu ${c1_cpu[-1]}), 2 threads ${c2_ms[-1]} ms"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", a / b}'; }
np=$(median "${np_ms[@]}") c1=$(median "${c1_ms[@]}") c2=$(median "${c2_ms[@]}")
npc=$(median "${np_cpu[@]}") c1c=$(median "${c1_cpu[@]}")
echo "median over $rounds rounds, 100 episodes x 200 steps with the PD expert (load average: $(cut -d' ' -f1 /proc/loadavg)):"
echo "  numpy replica (gymnasium dynamics)  $np ms wall, $npc ms cpu"
echo "  imitate, 1 thread                   $c1 ms wall, $c1c ms cpu   ($(ratio "$np" "$c1")x faster wall, $(ratio "$npc" "$c1c")x cpu)"
echo "  imitate, 2 threads                  $c2 ms wall   ($(ratio "$np" "$c2")x faster wall)"
