#!/usr/bin/env python3
"""Interleaved comparison of imitate with its PyTorch peers, reported as ratios.

The machine's speed drifts by +-25% over minutes, so each round runs imitate's Google Benchmark
programs and the peers back to back, and the report quotes the median over rounds of each figure and
of the per-round ratio. Peers (../shared/anchors, see its README): PyTorch 1.13 (torch_step_bench.py)
run at its best (OPENBLAS_CORETYPE unset, glibc malloc thresholds raised), libtorch
(libtorch_step_bench.cpp, built once into the build dir), and for the whole seed program
torch_seed.py --threads 1 against `imitate seed`.

Usage: /usr/bin/python3 scripts/bench_vs_torch.py [--build build] [--rounds 5] [--anchors ../shared/anchors]
                                                 [--no-seed] [--no-libtorch]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_ENV = dict(os.environ)
PEER_ENV.pop("OPENBLAS_CORETYPE", None)
PEER_ENV["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824"


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"bench_vs_torch: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return p.stdout


def kv(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([\w.]+): ([-\d.eE+]+)$", line.strip())
        if m:
            try:
                out[m.group(1)] = float(m.group(2))
            except ValueError:  # e.g. a version string such as 1.13.0
                pass
    return out


# imitate's own programs run with the policy the `imitate` command uses (apps/main.cpp: passive waiting)
OURS_ENV = dict(os.environ)
OURS_ENV.setdefault("OMP_WAIT_POLICY", "passive")


def gbench(binary, filt):
    data = json.loads(run([binary, f"--benchmark_filter={filt}", "--benchmark_format=json"], env=OURS_ENV))
    return {b["name"]: b for b in data["benchmarks"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--anchors", default=os.path.join(ROOT, "..", "shared", "anchors"))
    ap.add_argument("--no-seed", action="store_true", help="skip the whole-program comparison")
    ap.add_argument("--no-libtorch", action="store_true")
    a = ap.parse_args()
    anchors = os.path.abspath(a.anchors)
    bench = os.path.join(a.build, "bench", "bench_train")
    bench_mm = os.path.join(a.build, "bench", "bench_matmul")
    imitate = os.path.join(a.build, "apps", "imitate")
    for f in (bench, os.path.join(anchors, "torch_step_bench.py")):
        if not os.path.exists(f):
            sys.exit(f"bench_vs_torch: {f} is missing (build first; anchors at {anchors})")
    libtorch = os.path.join(a.build, "libtorch_step_bench")
    if not a.no_libtorch and not os.path.exists(libtorch):
        run(["g++", "-O2", "-std=c++17", "-I/usr/include/torch/csrc/api/include",
             os.path.join(anchors, "libtorch_step_bench.cpp"), "-o", libtorch,
             "-ltorch", "-ltorch_cpu", "-lc10", "-ldl"])

    # Debian's python3-torch links libblas.so.3; without OpenBLAS installed that is the reference BLAS, which
    # made the peer ~50x slower here. Refuse to compare against a crippled peer.
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    if "openblas" not in blas:
        sys.exit(f"bench_vs_torch: libblas.so.3 is {blas}, not OpenBLAS: PyTorch would not run at its best "
                 "(apt-get install -y libopenblas0-pthread)")

    rows = {}  # name -> list of per-round values

    def add(name, v):
        rows.setdefault(name, []).append(v)

    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    for r in range(a.rounds):
        ours = gbench(bench, "TrainStep_imitate/threads:[12]/h:(256/b:256/out:1|64/b:32/out:1)/|InferB1")
        mm = gbench(bench_mm, "(imitate/threads:[12]/B:(256/I:256/O:256|1/I:256/O:256))|eigen_product/1/256/256/256|naive|Ceiling")
        def steps(t, h, b):
            return ours[f"BM_TrainStep_imitate/threads:{t}/h:{h}/b:{b}/out:1/min_time:0.500/real_time"]["items_per_second"]
        def infer_us(t):
            return ours[f"BM_InferB1_imitate/threads:{t}/h:256/min_time:0.300/real_time"]["real_time"] / 1000.0
        torch = kv(run(["/usr/bin/python3", os.path.join(anchors, "torch_step_bench.py"), "--threads", "1,2",
                        "--hidden", "64,256", "--batch", "32,256", "--repeats", "5"], env=PEER_ENV))
        lt = {} if a.no_libtorch else kv(run([libtorch, "--threads", "1", "--hidden", "256", "--batch", "256"], env=PEER_ENV))
        pt_256 = max(torch["torch_step.t1.h256.b256.steps_per_s"], torch["torch_step.t2.h256.b256.steps_per_s"])
        pt_64 = max(torch["torch_step.t1.h64.b32.steps_per_s"], torch["torch_step.t2.h64.b32.steps_per_s"])
        pt_inf = min(torch["torch_step.t1.h256.infer_b1_forward_us"], torch["torch_step.t2.h256.infer_b1_forward_us"])
        add("imitate h256 b256 1 thread (steps/s)", steps(1, 256, 256))
        add("imitate h256 b256 2 threads (steps/s)", steps(2, 256, 256))
        add("PyTorch h256 b256 best of 1/2 threads (steps/s)", pt_256)
        add("ratio h256 b256 2 threads / PyTorch", steps(2, 256, 256) / pt_256)
        add("imitate h64 b32 1 thread (steps/s)", steps(1, 64, 32))
        add("PyTorch h64 b32 best (steps/s)", pt_64)
        add("ratio h64 b32 1 thread / PyTorch", steps(1, 64, 32) / pt_64)
        add("imitate batch-1 inference h256 (us)", infer_us(1))
        add("PyTorch batch-1 inference h256 (us)", pt_inf)
        add("ratio PyTorch / imitate inference", pt_inf / infer_us(1))
        if lt:
            key = [k for k in lt if k.endswith("h256.b256.steps_per_s")]
            ikey = [k for k in lt if k.endswith("infer_b1_nograd_us")]
            if key:
                add("libtorch h256 b256 1 thread (steps/s)", lt[key[0]])
                add("ratio h256 b256 1 thread / libtorch", steps(1, 256, 256) / lt[key[0]])
            if ikey:
                add("libtorch batch-1 inference h256 (us)", lt[ikey[0]])
        for name, b in mm.items():
            short = name.replace("/real_time", "").replace("BM_", "")
            if "GFLOP/s" in b:
                add(f"kernel {short} (GFLOP/s)", b["GFLOP/s"])
            if "GB/s" in b:
                add(f"kernel {short} (GB/s)", b["GB/s"])
        if not a.no_seed and os.path.exists(imitate):
            t0 = time.perf_counter()
            run([imitate, "seed", "--quiet", "--threads", "2"])
            ours_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            seed = kv(run(["/usr/bin/python3", os.path.join(anchors, "torch_seed.py"), "--threads", "1"], env=PEER_ENV))
            torch_s = time.perf_counter() - t0
            add("imitate seed, whole program (s)", ours_s)
            add("torch_seed.py --threads 1, whole program (s)", torch_s)
            add("ratio torch_seed / imitate seed", torch_s / ours_s)
        print(f"round {r + 1}/{a.rounds} done, load {os.getloadavg()[0]:.2f}", flush=True)

    print(f"\n| figure (median of {a.rounds} interleaved rounds) | median | min | max |")
    print("|---|---|---|---|")
    for name, v in rows.items():
        print(f"| {name} | {statistics.median(v):.3g} | {min(v):.3g} | {max(v):.3g} |")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
