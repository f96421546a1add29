"""PyTorch peer for the ACT head (Debian python3-torch 1.13, CPU): the training step and batch-1 inference that
imitate's bench/bench_act.cpp times, on the same module (bench/peers/act_model.py, imitate's `--head act`).

One training step = ACT's loss (CVAE encoder, reparameterised z, encoder-decoder, masked L1 + beta*KL) with a fresh
eps, backward, Adam (lr=1e-3), zero_grad, on a fixed random batch in memory. Sizes: pendulum's S=3, A=1, chunk H=8,
batch 64, ACT's defaults d_model 64, 4 heads, feed-forward 256, 2+2+2 layers, latent 16 (the flags change them).
Inference: batch 1, z = 0, under torch.no_grad() with the module in eval mode. Each figure is the median of
--repeats timed runs of ~--target-s seconds, after a warm-up (torch_step_bench.py's timing loop).

Threads as torch_step_bench.py: torch.set_num_threads(t) and openblas_set_num_threads(t) (PyTorch 1.13 from Debian
runs its matrix products in OpenBLAS); denormals flushed (torch.set_flush_denormal). Run at its best:
  env -u OPENBLAS_CORETYPE GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824 \
      /usr/bin/python3 bench/peers/act_torch.py [--threads 1,2]
Prints `name: value` lines: act_torch.t<T>.b<B>.h<H>.steps_per_s (and us_per_step, cpu_us_per_step: this process's CPU
time, which on a loaded machine says how much of a core it had), act_torch.t<T>.h<H>.infer_b1_us, flops_per_step.
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from act_model import ACT  # noqa: E402
from torch_step_bench import add_timing_args, openblas, print_versions, warm_up  # noqa: E402


def timed(fn, target_s, repeats, warmup_s):
    """(median wall seconds per call, median CPU seconds per call of this process, spread of the wall times as a
    fraction): torch_step_bench.py's loop (warm-up, then `repeats` runs of n calls) with the CPU time beside the
    wall time, which on a loaded machine says how much of a core the process had."""
    n = warm_up(fn, target_s, warmup_s)
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            fn()
        wall.append((time.perf_counter() - t0) / n)
        cpu.append((time.process_time() - c0) / n)
    med = statistics.median(wall)
    return med, statistics.median(cpu), (max(wall) - min(wall)) / med


def step_flops(B, S, A, H, d, ff, L, enc, layers, dec):
    """Multiply-adds of one training step as 2 FLOPs each, forward x 3 (the backward's dX and dW products are each
    the forward's size); attention's two products per head counted, elementwise work and Adam left out."""
    def attn(rq, rk, tq, tk, fused):  # projections (self: one (3d) product; cross: q and kv), scores, AV, out
        proj = 2 * rq * d * 3 * d if fused else 2 * rq * d * d + 2 * rk * d * 2 * d
        return proj + 2 * (B * tq * tk * d) * 2 + 2 * rq * d * d

    def ff_block(r):
        return 2 * r * d * ff * 2

    T = H + 2
    fwd = 2 * B * S * d + 2 * B * H * A * d                              # cvae_obs_proj, cvae_action_proj
    fwd += enc * (attn(B * T, B * T, T, T, True) + ff_block(B * T))      # cvae_encoder
    fwd += 2 * B * d * 2 * L + 2 * B * L * d + 2 * B * S * d             # latent_proj, latent_out_proj, obs_proj
    fwd += layers * (attn(2 * B, 2 * B, 2, 2, True) + ff_block(2 * B))   # encoder
    fwd += dec * (attn(B * H, B * H, H, H, True) + attn(B * H, 2 * B, H, 2, False) + ff_block(B * H))
    fwd += 2 * B * H * d * A                                              # action_head
    return 3 * fwd


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=str, default="1,2")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--obs", type=int, default=3)
    ap.add_argument("--act", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=8)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--nhead", type=int, default=4)
    ap.add_argument("--dim-ff", type=int, default=256)
    ap.add_argument("--layers", type=str, default="2,2,2", help="CVAE encoder, encoder, decoder layers")
    ap.add_argument("--latent", type=int, default=16)
    add_timing_args(ap, 0.3, 0.5, "act_torch")
    args = ap.parse_args()
    try:
        threads = [int(v) for v in args.threads.split(",")]
        enc, layers, dec = (int(v) for v in args.layers.split(","))
        assert min(threads) >= 1 and min(enc, layers) >= 0 and dec >= 1
        assert min(args.batch, args.obs, args.act, args.chunk, args.d_model, args.nhead, args.dim_ff, args.latent) >= 1
        assert args.d_model % args.nhead == 0
    except (ValueError, AssertionError):
        ap.error("--threads a comma list of T >= 1, --layers ENC,LAYERS,DEC, sizes >= 1, nhead dividing d_model")
    B, S, A, H, L = args.batch, args.obs, args.act, args.chunk, args.latent
    torch.set_flush_denormal(True)
    ob = openblas()
    tag = args.tag
    print_versions(tag, ob)
    print(f"{tag}.env_GLIBC_TUNABLES: {os.environ.get('GLIBC_TUNABLES', '(unset)')}")
    flops = step_flops(B, S, A, H, args.d_model, args.dim_ff, L, enc, layers, dec)
    print(f"{tag}.flops_per_step: {flops}")

    torch.manual_seed(0)
    net = ACT(S, A, H, d_model=args.d_model, nhead=args.nhead, dim_ff=args.dim_ff, enc_layers=enc, layers=layers,
              dec_layers=dec, latent=L, beta=10.0)
    print(f"{tag}.params: {sum(p.numel() for p in net.parameters())}")
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    obs = torch.rand(B, S) * 2 - 1
    target = torch.randn(B, H * A)
    mask = torch.ones(B, H * A)

    def step():
        loss = net.loss(obs, target, mask, torch.randn(B, L))
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    first = [step().item() for _ in range(20)]  # validate: the loss falls on the fixed batch
    last = [step().item() for _ in range(40)][-20:]
    assert sum(last) < sum(first), f"ACT loss did not fall: {sum(first) / 20} -> {sum(last) / 20}"

    one = torch.rand(1, S) * 2 - 1
    for t in threads:
        torch.set_num_threads(t)
        if ob is not None:
            ob.openblas_set_num_threads(t)
        net.train()
        med, cpu, spread = timed(step, args.target_s, args.repeats, args.warmup_s)
        print(f"{tag}.t{t}.b{B}.h{H}.steps_per_s: {1.0 / med:.1f}")
        print(f"{tag}.t{t}.b{B}.h{H}.us_per_step: {med * 1e6:.1f}")
        print(f"{tag}.t{t}.b{B}.h{H}.cpu_us_per_step: {cpu * 1e6:.1f}")
        print(f"{tag}.t{t}.b{B}.h{H}.gflops: {flops * 1e-9 / med:.2f}")
        print(f"{tag}.t{t}.b{B}.h{H}.spread_pct: {100.0 * spread:.1f}")
        net.eval()

        def infer():
            with torch.no_grad():
                net.predict(one)

        med, cpu, _ = timed(infer, args.target_s, args.repeats, args.warmup_s)
        print(f"{tag}.t{t}.h{H}.infer_b1_us: {med * 1e6:.2f}")
        print(f"{tag}.t{t}.h{H}.infer_b1_cpu_us: {cpu * 1e6:.2f}")


if __name__ == "__main__":
    main()
