#!/usr/bin/python3
"""Golden fixture for the ACT head (tests/test_act.cpp), computed by PyTorch (Debian's python3-torch 1.13), not by imitate.

  /usr/bin/python3 scripts/make_act_fixture.py [OUT]   (OUT defaults to tests/fixtures/act_golden.json)
  /usr/bin/python3 scripts/make_act_fixture.py --check-cpp FILE OUTPUTS
      loads an ACT checkpoint written by imitate (tests/test_act.cpp) into the module with load_state_dict(strict=True)
      and checks its predictions (z = 0) against the C++ ones in OUTPUTS (rows: obs then chunk); run by
      tests/test_torch_interop.sh.

The module is bench/peers/act_model.py (the one the speed peer runs), at small sizes: S=3, A=2, k=H=4, d=8,
2 heads, feed-forward 16, 2 CVAE-encoder, 2 encoder and 2 decoder layers, latent 4, beta 10. A batch of B=5 rows
whose mask pads the tail of two chunks and the whole of one row. Weights are PyTorch's init plus 0.1*N(0,1) on
every parameter (no bias zero, no layer-norm weight one), drawn in float32; then everything runs in float64: the
loss with a fixed eps, the gradients of every parameter, the deterministic prediction (z = 0), and 10 steps of
torch.optim.Adam(lr=1e-2) with the same eps each step. Parameter names are the state_dict keys, in order.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "peers"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from act_model import ACT  # noqa: E402
from make_torch_fixture import read_safetensors, torch_vs_cpp  # noqa: E402
from make_transformer_fixture import write_fixture  # noqa: E402  (the same number format)

S, A, H, D, HEADS, FF, LAT, BETA = 3, 2, 4, 8, 2, 16, 4, 10.0
ENC, LAYERS, DEC = 2, 2, 2
B, LR, STEPS = 5, 1e-2, 10


def rows(t):
    """2-D as is, 1-D as a flat list (imitate reads a flat list as one row)."""
    return t.detach().tolist()


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                                                                  "act_golden.json")
    torch.manual_seed(0)
    net = ACT(S, A, H, d_model=D, nhead=HEADS, dim_ff=FF, enc_layers=ENC, layers=LAYERS, dec_layers=DEC, latent=LAT,
              beta=BETA)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1 * torch.randn_like(p))
    obs = torch.randn(B, S).double()
    target = torch.randn(B, H * A).double()
    eps = torch.randn(B, LAT).double()
    mask = torch.ones(B, H * A, dtype=torch.float64)
    mask[1, 2 * A:] = 0  # the episode ended after two steps
    mask[3, 3 * A:] = 0
    mask[4, :] = 0        # a padding row
    net = net.double()
    names = list(net.state_dict().keys())
    assert names == [n for n, _ in net.named_parameters()]
    initial = {n: rows(p) for n, p in net.named_parameters()}

    loss = net.loss(obs, target, mask, eps)
    loss.backward()
    grads = {n: rows(p.grad) for n, p in net.named_parameters()}
    with torch.no_grad():
        predict = net.predict(obs)

    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        step_loss = net.loss(obs, target, mask, eps)
        losses.append(step_loss.item())
        step_loss.backward()
        opt.step()
    with torch.no_grad():
        final_loss = net.loss(obs, target, mask, eps).item()

    fixture = {
        "description": "PyTorch " + torch.__version__ + " (python3-torch), float64: scripts/make_act_fixture.py with "
                       "bench/peers/act_model.py. initial: weights; loss/grads: the first forward and backward with eps; "
                       "predict: the chunk at z = 0; losses: loss before each Adam step; final/final_loss: after them.",
        "sizes": {"S": S, "A": A, "H": H, "d_model": D, "nhead": HEADS, "dim_ff": FF, "enc_layers": ENC,
                  "layers": LAYERS, "dec_layers": DEC, "latent": LAT, "beta": BETA, "B": B},
        "lr": LR, "steps": STEPS, "names": names,
        "obs": rows(obs), "target": rows(target), "mask": rows(mask), "eps": rows(eps),
        "initial": initial, "loss": loss.item(), "grads": grads, "predict": rows(predict),
        "losses": losses, "final": {n: rows(p) for n, p in net.named_parameters()}, "final_loss": final_loss,
    }
    write_fixture(out_path, fixture)
    print("wrote", out_path, "loss", loss.item(), "final loss", final_loss)


def check_cpp(path, outputs):
    tensors, m = read_safetensors(path)
    assert m.get("head") == "act" and m.get("normalize") == "false", f"{path}: metadata {m}"
    S, A, H = int(m["obs_dim"]), int(m["act_dim"]), int(m["chunk"])
    net = ACT(S, A, H, d_model=int(m["d_model"]), nhead=int(m["nhead"]), dim_ff=int(m["dim_ff"]),
              enc_layers=int(m["enc_layers"]), layers=int(m["layers"]), dec_layers=int(m["dec_layers"]),
              latent=int(m["latent"]), beta=float(m["beta"]))
    net.load_state_dict(tensors, strict=True)
    net.eval()
    _, err = torch_vs_cpp(net.predict, outputs, S, 1e-5)
    print(f"torch loaded {path} ({len(tensors)} tensors) into ACT with load_state_dict(strict=True); "
          f"max |torch - C++| = {err:.2e}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check-cpp":
        check_cpp(sys.argv[2], sys.argv[3])
    else:
        main()
