#!/usr/bin/env python3
"""imitate against its peers, interleaved in one run, with the machine's ceilings measured in the same run.

Work (bench/bench_train.cpp and its peers in bench/peers/, see bench/peers/README.md): one training step of the MLP
3 -> h -> ReLU -> h -> ReLU -> out (MSE, Adam) at every size bench_train covers, at 1 and 2 threads; batch-1
inference; and the seed program whole (`imitate seed` at its default threads and at --threads 1, against
torch_seed.py). Peers: PyTorch (torch_step_bench.py), libtorch and dlib (C++, built here into <build>/peers/ with
g++), all run at their best (OPENBLAS_CORETYPE unset, glibc malloc thresholds raised, framework and OpenBLAS
threads both set) and reported as the best of 1 and 2 threads. Ceilings (bench/bench_ceilings.cpp): FMA GFLOP/s of
one core and of two cores at once, and the read bandwidth of a 256 KB block from L2.

The machine's speed drifts by +-25% over minutes, so each round runs everything back to back and the tables quote
medians over rounds (ratios and fractions: the median of the per-round values).

Set-up on a fresh Debian 12 machine: bash scripts/setup.sh bench
Usage: /usr/bin/python3 scripts/bench_vs_torch.py [--rounds 3] [--build build] [--markdown FILE] [--no-seed]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "bench", "peers")
sys.path.insert(0, PEERS)
from flops import step_flops  # noqa: E402  (bench/peers/flops.py: FLOPs of one training step)

SETUP = "bash scripts/setup.sh bench"
# What the peers need, as Debian packages; each is checked before anything runs.
PEER_PACKAGES = ["python3-torch", "python3-numpy", "libtorch-dev", "libdlib-dev", "libopenblas0-pthread", "g++"]
# The peers at their best (bench/peers/README.md): OpenBLAS picks its own kernels (a stray OPENBLAS_CORETYPE=Haswell
# forces AVX2 on an AVX-512 machine) and glibc keeps freed blocks instead of unmapping them after every op.
PEER_ENV = dict(os.environ)
PEER_ENV.pop("OPENBLAS_CORETYPE", None)
PEER_ENV["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824"
# imitate's programs wait as the `imitate` command does (engine/threads.hpp: spin about 200 us, then sleep), unless
# the caller set OMP_WAIT_POLICY or GOMP_SPINCOUNT.
OURS_ENV = dict(os.environ)
# The C++ peers: source, extra g++ flags.
CXX_PEERS = {
    "libtorch": ("libtorch_step_bench.cpp", ["-I/usr/include/torch/csrc/api/include", "-ltorch", "-ltorch_cpu", "-lc10"]),
    "dlib": ("dlib_step_bench.cpp", ["-ldlib", "-lblas", "-llapack"]),
}
PEER_REPEATS = "3"  # timed runs per figure inside a peer (median); the rounds give the spread
TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def fail(msg):
    sys.exit(f"bench_vs_torch: {msg}")


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if p.returncode != 0:
        last = [l for l in p.stderr.strip().splitlines() if l.strip()] or ["(no message)"]
        fail(f"{os.path.basename(cmd[0])} {' '.join(cmd[1:3])} ... exited {p.returncode}: {last[-1].strip()}")
    return p.stdout


def kv(text):
    """`name: value` lines -> {name: float} (non-numeric values, e.g. versions, kept as strings)."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([\w.]+): (.+)$", line.strip())
        if m:
            try:
                out[m.group(1)] = float(m.group(2))
            except ValueError:
                out[m.group(1)] = m.group(2)
    return out


def check_prerequisites(build):
    """One line naming what is missing and the command that installs it; nothing runs before this passes."""
    def installed(p):
        q = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        return q.stdout.strip() == "install ok installed"
    try:
        missing = [p for p in PEER_PACKAGES if not installed(p)]
    except FileNotFoundError:
        fail("dpkg-query not found: this script expects Debian 12 (see README's set-up)")
    if missing:
        fail(f"missing packages {' '.join(missing)}: run `{SETUP}` (or apt-get install -y {' '.join(missing)})")
    # Debian's torch and dlib call libblas.so.3; unless it resolves to OpenBLAS they run on the reference BLAS
    # (~50x slower): refuse to compare against a crippled peer.
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    if "openblas" not in blas:
        fail(f"libblas.so.3 is {blas}, not OpenBLAS: run `update-alternatives --config libblas.so.3-x86_64-linux-gnu` "
             "and pick openblas-pthread")
    for exe in ("bench/bench_train", "bench/bench_ceilings", "apps/imitate"):
        if not os.access(os.path.join(build, exe), os.X_OK):
            fail(f"{os.path.join(build, exe)} is missing: run `{SETUP}` (builds imitate with its benchmarks)")


def build_cxx_peers(build):
    """g++ each C++ peer into <build>/peers/ unless the binary is newer than its sources."""
    out_dir = os.path.join(build, "peers")
    os.makedirs(out_dir, exist_ok=True)
    bins = {}
    for name, (src, flags) in CXX_PEERS.items():
        src_path, exe = os.path.join(PEERS, src), os.path.join(out_dir, name + "_step_bench")
        newest = max(os.path.getmtime(p) for p in (src_path, os.path.join(PEERS, "peer_common.hpp")))
        if not os.path.exists(exe) or os.path.getmtime(exe) < newest:
            print(f"building {exe} (g++, about a minute)", flush=True)
            run(["g++", "-O3", "-march=native", "-std=c++17", src_path, "-o", exe + ".tmp"] + flags)
            os.replace(exe + ".tmp", exe)
        bins[name] = exe
    return bins


def gbench(binary, filt):
    """Google Benchmark results as {name: entry}; a benchmark that skipped with an error stops the run."""
    data = json.loads(run([binary, f"--benchmark_filter={filt}", "--benchmark_format=json"], env=OURS_ENV))
    out = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            fail(f"{os.path.basename(binary)} {b['name']}: {b.get('error_message', 'error')}")
        out[b["name"]] = b
    if not out:
        fail(f"{os.path.basename(binary)} ran no benchmark matching {filt}")
    return out


def seconds(b):
    return b["real_time"] * TIME_UNITS[b["time_unit"]]


def cpu_model():
    """lscpu's model name; when it is generic (no model number, as "AMD EPYC" in some VMs), the vendor, family
    and model numbers too, which do identify the part."""
    info = {}
    for line in run(["lscpu"], env=dict(os.environ, LC_ALL="C")).splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    name = info.get("Model name", "unknown CPU")
    bare = re.sub(r"@ *[\d.]+ *GHz|\(R\)|\(TM\)", "", name)
    if not re.search(r"\d", bare):
        name += f" ({info.get('Vendor ID', '?')} family {info.get('CPU family', '?')} model {info.get('Model', '?')})"
    return name


def median(v):
    return statistics.median(v) if v else float("nan")


class Rounds:
    """name -> one value per round."""

    def __init__(self):
        self.v = {}

    def add(self, name, value):
        self.v.setdefault(name, []).append(value)

    def med(self, name):
        return median(self.v.get(name, []))


def one_round(r, a, bins, imitate, sizes, infer_hs, R):
    # 1. the ceilings
    ceil = gbench(os.path.join(a.build, "bench", "bench_ceilings"), "Ceiling")
    for name, b in ceil.items():
        m = re.search(r"BM_Ceiling_fma/.*threads:(\d+)", name)
        if m:
            R.add(f"fma{m.group(1)}", b["GFLOP/s"])
            R.isa = b.get("label", "")
        elif name.startswith("BM_Ceiling_read_256KB"):
            R.add("l2", b["GB/s"])
    # 2. imitate: every training step and inference bench_train has, at each thread count it has
    ours = gbench(os.path.join(a.build, "bench", "bench_train"), "TrainStep_imitate|InferB1_imitate|InferB1_deployed")
    for name, b in ours.items():
        m = re.search(r"BM_TrainStep_imitate/threads:(\d+)/h:(\d+)/b:(\d+)/out:(\d+)", name)
        if m:
            t, size = int(m.group(1)), tuple(int(g) for g in m.group(2, 3, 4))
            R.add(("ours", size, t), b["items_per_second"])
            sizes.setdefault(size, None)
        m = re.search(r"BM_InferB1_imitate/threads:(\d+)/h:(\d+)", name)
        if m:
            R.add(("ours_inf", int(m.group(2)), int(m.group(1))), seconds(b) * 1e6)
            infer_hs.setdefault(int(m.group(2)), None)
        m = re.search(r"BM_InferB1_deployed/threads:(\d+)/h:(\d+)", name)
        if m:
            R.add(("ours_dep", int(m.group(2)), int(m.group(1))), seconds(b) * 1e6)
    if not sizes:
        fail("bench_train has no BM_TrainStep_imitate/threads:T/h:H/b:B/out:O benchmark")
    # 3. the peers, on the same sizes, best of 1 and 2 threads (each count's figure kept for the note)
    size_arg = ",".join(f"{h}x{b}" + (f"x{o}" if o != 1 else "") for h, b, o in sizes)
    infer_arg = ",".join(str(h) for h in infer_hs) or "0"
    common = ["--threads", "1,2", "--sizes", size_arg, "--infer", infer_arg, "--repeats", PEER_REPEATS]
    peers = {"PyTorch": ["/usr/bin/python3", os.path.join(PEERS, "torch_step_bench.py")],
             "libtorch": [bins["libtorch"]], "dlib": [bins["dlib"]]}
    for peer, cmd in peers.items():
        out = kv(run(cmd + common, env=PEER_ENV))
        R.info[peer] = out.get(next((k for k in out if k.endswith(".openblas_core")), ""), "?")
        for h, b, o in sizes:
            suffix = f".h{h}.b{b}" + (f".out{o}" if o != 1 else "") + ".steps_per_s"
            per_t = {t: out[k] for t in (1, 2) for k in out if k.endswith(f".t{t}{suffix}")}
            if len(per_t) != 2:
                fail(f"{peer} printed no steps/s for h{h} b{b} out{o} at 1 and 2 threads")
            best_t = max(per_t, key=per_t.get)
            R.add((peer, (h, b, o)), per_t[best_t])
            R.add((peer, (h, b, o), "t"), best_t)
        for h in infer_hs:
            per_t = {t: out[k] for t in (1, 2) for k in out if k.endswith(f".t{t}.h{h}.infer_b1_us")}
            if len(per_t) != 2:
                fail(f"{peer} printed no batch-1 inference time for h{h} at 1 and 2 threads")
            best_t = min(per_t, key=per_t.get)
            R.add((peer, "inf", h), per_t[best_t])
            R.add((peer, "inf", h, "t"), best_t)
    # 4. the seed program, whole, in a scratch directory (nothing it might write lands in the repository)
    if not a.no_seed:
        with tempfile.TemporaryDirectory() as tmp:
            for key, cmd, env in (("seed_default", [imitate, "seed", "--quiet"], None),
                                  ("seed_t1", [imitate, "seed", "--quiet", "--threads", "1"], None),
                                  ("seed_torch", ["/usr/bin/python3", os.path.join(PEERS, "torch_seed.py"),
                                                  "--threads", "1"], PEER_ENV)):
                t0 = time.perf_counter()
                run(cmd, env=env, cwd=tmp)
                R.add(key, time.perf_counter() - t0)
    print(f"round {r + 1}/{a.rounds} done, load average {os.getloadavg()[0]:.2f}", flush=True)


def best_peer_per_round(R, key_of):
    """Per round: the best peer's figure (max steps/s) for a size."""
    names = ("PyTorch", "libtorch", "dlib")
    return [max(R.v[key_of(p)][i] for p in names) for i in range(len(R.v[key_of(names[0])]))]


def fmt(x, digits=3):
    if x != x:
        return "-"
    if x >= 100:
        return f"{x:,.0f}".replace(",", " ")
    return f"{x:#.{digits}g}"  # "#": 8.00, not 8


def peer_cell(R, key):
    """'median (T thr)' with the thread count that was best in most rounds."""
    ts = R.v[key + ("t",)]
    return f"{fmt(R.med(key))} ({max(set(ts), key=ts.count):g})"


def report(a, R, sizes, infer_hs, wall_s, load):
    fma1, fma2, l2 = R.med("fma1"), R.med("fma2"), R.med("l2")
    nproc = os.cpu_count()
    L = []
    L.append(f"Machine: **{R.cpu}**, {nproc} logical CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"`scripts/bench_vs_torch.py --rounds {a.rounds}`, medians of {a.rounds} interleaved rounds, "
             f"{wall_s / 60:.1f} min; load average {load[0]:.2f} at the start, {load[1]:.2f} at the end.")
    L.append("")
    L.append(f"Ceilings measured in this run ({R.isa} kernels, bench/bench_ceilings.cpp): FMA {fmt(fma1)} GFLOP/s on 1 core, "
             f"{fmt(fma2)} GFLOP/s on 2 cores at once ({fma2 / fma1:.2f}x); L2 read of 256 KB {fmt(l2)} GB/s.")
    L.append("")
    L.append("Threads: imitate at 1 and 2 (their waiting threads spin about 200 µs, then sleep, as the `imitate` command's do). Peers at their "
             "best (OPENBLAS_CORETYPE unset, glibc malloc thresholds raised; OpenBLAS core "
             f"{R.info.get('PyTorch', '?')}), each the best of 1 and 2 threads (framework and OpenBLAS threads both "
             "set), the winning count in brackets. Ratios: imitate over the best peer of the same round.")
    L.append("")
    L.append("| training step, steps/s | imitate 1 thr | imitate 2 thr | 2 thr / 1 thr | PyTorch best | libtorch best "
             "| dlib best | 1 thr / best peer | 2 thr / best peer | MFLOP / step | 1 thr, of the 1-core FMA ceiling "
             "| 2 thr, of the 2-core FMA ceiling |")
    L.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for size in sizes:
        h, b, o = size
        mflop = step_flops(b, h, 3, o)["total"] / 1e6
        o1, o2 = R.v[("ours", size, 1)], R.v[("ours", size, 2)]
        best = best_peer_per_round(R, lambda p: (p, size))
        frac1 = [s * mflop / 1e3 / f for s, f in zip(o1, R.v["fma1"])]
        frac2 = [s * mflop / 1e3 / f for s, f in zip(o2, R.v["fma2"])]
        L.append(f"| h{h} b{b}" + (f" out{o}" if o != 1 else "") + f" | {fmt(median(o1))} | {fmt(median(o2))} "
                 f"| {median([y / x for x, y in zip(o1, o2)]):.2f}x "
                 f"| {peer_cell(R, ('PyTorch', size))} | {peer_cell(R, ('libtorch', size))} | {peer_cell(R, ('dlib', size))} "
                 f"| {median([x / y for x, y in zip(o1, best)]):.2f}x | {median([x / y for x, y in zip(o2, best)]):.2f}x "
                 f"| {mflop:.1f} | {100 * median(frac1):.0f}% | {100 * median(frac2):.0f}% |")
    L.append("")
    L.append("| batch-1 inference, µs | imitate deployed, 1 thr | deployed, 2 thr | `MLP::infer`, 1 thr | PyTorch best "
             "| libtorch best | dlib best | best peer / deployed | L2-read bound | bound / deployed |")
    L.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for h in infer_hs:
        # the bound: every parameter read once from L2 at the measured bandwidth (the activations are tiny).
        # deployed: the weights packed for small batches (DeployedPolicy, the C interface); MLP::infer reads
        # them as stored (out × in), as training leaves them. Both give the same bytes.
        param_bytes = 4 * step_flops(1, h, 3, 1)["params"]
        d1 = R.v[("ours_dep", h, 1)]
        bound = [param_bytes / (g * 1e3) for g in R.v["l2"]]
        best = [min(R.v[(p, "inf", h)][i] for p in ("PyTorch", "libtorch", "dlib")) for i in range(len(d1))]
        L.append(f"| h{h} ({param_bytes / 1024:.0f} KB of parameters) | {fmt(median(d1))} | {fmt(R.med(('ours_dep', h, 2)))} "
                 f"| {fmt(R.med(('ours_inf', h, 1)))} "
                 f"| {peer_cell(R, ('PyTorch', 'inf', h))} | {peer_cell(R, ('libtorch', 'inf', h))} "
                 f"| {peer_cell(R, ('dlib', 'inf', h))} | {median([p / x for p, x in zip(best, d1)]):.2f}x "
                 f"| {fmt(median(bound))} | {100 * median([bd / x for bd, x in zip(bound, d1)]):.0f}% |")
    if not a.no_seed:
        torch_s = R.v["seed_torch"]
        L.append("")
        L.append("| seed program, whole (demos, BC H=1 and H=4, evaluation) | seconds | torch_seed.py / this |")
        L.append("|---|--:|--:|")
        for key, label in (("seed_default", f"`imitate seed` (default: all {nproc} cores)"),
                           ("seed_t1", "`imitate seed --threads 1`"),
                           ("seed_torch", "`torch_seed.py --threads 1` (PyTorch, the same program)")):
            L.append(f"| {label} | {R.med(key):.2f} | {median([t / x for t, x in zip(torch_s, R.v[key])]):.2f}x |")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="imitate's build directory (default build/)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3, about 5 minutes)")
    ap.add_argument("--markdown", help="also write the tables to this markdown file (replaced whole, or not at all)")
    ap.add_argument("--no-seed", action="store_true", help="skip the whole-program comparison")
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error("--rounds must be >= 1")
    a.build = os.path.abspath(a.build)
    if a.markdown and not os.path.isdir(os.path.dirname(os.path.abspath(a.markdown))):
        fail(f"--markdown {a.markdown}: its directory does not exist")
    check_prerequisites(a.build)
    bins = build_cxx_peers(a.build)

    t_start, load0 = time.perf_counter(), os.getloadavg()[0]
    R = Rounds()
    R.cpu, R.isa, R.info = cpu_model(), "", {}
    print(f"{R.cpu}; load average at start {load0:.2f}", flush=True)
    sizes, infer_hs = {}, {}  # ordered as bench_train lists them
    for r in range(a.rounds):
        one_round(r, a, bins, os.path.join(a.build, "apps", "imitate"), sizes, infer_hs, R)
    text = report(a, R, list(sizes), list(infer_hs), time.perf_counter() - t_start, (load0, os.getloadavg()[0]))
    print("\n" + text, end="")
    if a.markdown:
        tmp = a.markdown + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, a.markdown)
        print(f"wrote {a.markdown}")


if __name__ == "__main__":
    main()
