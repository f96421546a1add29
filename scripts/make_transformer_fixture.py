#!/usr/bin/python3
"""Golden fixture for tests/test_transformer.cpp, computed by PyTorch (Debian's python3-torch 1.13), not by imitate.

  /usr/bin/python3 scripts/make_transformer_fixture.py [OUT]   (OUT defaults to tests/fixtures/transformer_golden.json)

A small encoder-decoder built from PyTorch's own layers: the source (B=2, Ts=5, d=16) plus sinusoidal positions
goes through one nn.TransformerEncoderLayer (2 heads, feed-forward 32, GELU); the target tokens (B=2, Tt=3,
vocabulary 7) are embedded (nn.Embedding) plus learned positions (nn.Embedding over Tt) and go through one
nn.TransformerDecoderLayer (ReLU, causal self-attention, cross-attention to the encoder's output); a
nn.Linear(16, 3) head, MSE against a fixed target. Both layers norm_first=True, batch_first=True, dropout 0.
Weights are drawn in float32 (PyTorch's init, then every parameter nudged by 0.1·N(0,1) so no bias is zero and
no layer-norm weight is one), then the whole run is in float64: the forward, the gradients of every parameter
and of the source, and 10 steps of torch.optim.Adam(lr=1e-2). Rows of (B, T, C) tensors are flattened to (B·T, C),
imitate's layout. Parameter names are the module's state_dict keys.
"""
import json
import math
import os
import sys

import torch
from torch import nn

D, HEADS, FF, VOCAB, OUT = 16, 2, 32, 7, 3
B, TS, TT = 2, 5, 3
LR, STEPS = 1e-2, 10


def sinusoid(t, d):
    """(t, d): pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(p / 10000^(2i/d)) (Vaswani et al.)."""
    pe = torch.zeros(t, d, dtype=torch.float64)
    for p in range(t):
        for c in range(d):
            w = math.exp(-(c - c % 2) * math.log(10000.0) / d)
            pe[p, c] = math.sin(p * w) if c % 2 == 0 else math.cos(p * w)
    return pe


class EncoderDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D)
        self.pos = nn.Embedding(TT, D)
        self.enc = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation="gelu", batch_first=True,
                                              norm_first=True)
        self.dec = nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, activation="relu", batch_first=True,
                                              norm_first=True)
        self.head = nn.Linear(D, OUT)

    def forward(self, src, tgt):
        mem = self.enc(src + sinusoid(TS, D))
        y = self.tok(tgt) + self.pos(torch.arange(TT)).unsqueeze(0)
        causal = torch.triu(torch.full((TT, TT), float("-inf"), dtype=torch.float64), diagonal=1)
        return self.head(self.dec(y, mem, tgt_mask=causal))


def rows(t):
    """A tensor as imitate stores it: (B, T, C) -> (B·T, C) list of lists; 2-D as is; 1-D as a flat list."""
    t = t.detach()
    if t.dim() == 3:
        t = t.reshape(-1, t.shape[-1])
    return t.tolist()


def short(x):
    """Every float to 10 significant digits: float32 inputs stay exact, float64 results keep 1e-9 relative."""
    if isinstance(x, float):
        return float(f"{x:.10g}")
    if isinstance(x, list):
        return [short(v) for v in x]
    if isinstance(x, dict):
        return {k: short(v) for k, v in x.items()}
    return x


def write_fixture(out_path, fixture):
    """The fixture as one line of JSON (numbers through short()), written to a temporary file and renamed."""
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(short(fixture), f)
        f.write("\n")
    os.replace(tmp, out_path)


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                                                                  "transformer_golden.json")
    torch.manual_seed(0)
    net = EncoderDecoder()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1 * torch.randn_like(p))
    src32 = torch.randn(B, TS, D)
    tgt = torch.randint(0, VOCAB, (B, TT))
    target32 = torch.randn(B, TT, OUT)
    net = net.double()  # float32 values, exactly representable in both precisions
    src = src32.double().requires_grad_(True)
    target = target32.double()
    names = [n for n, _ in net.named_parameters()]
    assert names == list(net.state_dict().keys())
    initial = {n: rows(p) for n, p in net.named_parameters()}

    out = net(src, tgt)
    loss = nn.functional.mse_loss(out, target)
    loss.backward()
    grads = {n: rows(p.grad) for n, p in net.named_parameters()}
    src_grad = rows(src.grad)
    src.requires_grad_(False)  # the Adam steps train the weights only

    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        step_loss = nn.functional.mse_loss(net(src, tgt), target)
        losses.append(step_loss.item())
        step_loss.backward()
        opt.step()
    with torch.no_grad():
        final_loss = nn.functional.mse_loss(net(src, tgt), target).item()

    fixture = {
        "description": "PyTorch " + torch.__version__ + " (python3-torch), float64: scripts/make_transformer_fixture.py. "
                       "src (B*Ts, d) + sinusoidal positions -> TransformerEncoderLayer(gelu) -> memory; tgt tokens "
                       "-> tok + pos embeddings -> TransformerDecoderLayer(relu, causal) -> head Linear; MSE to target. "
                       "initial: weights; output/loss/grads/src_grad: first forward and backward; losses: loss "
                       "before each Adam step; final/final_loss: after the steps.",
        "sizes": {"d": D, "heads": HEADS, "ff": FF, "vocab": VOCAB, "out": OUT, "B": B, "Ts": TS, "Tt": TT},
        "lr": LR, "betas": [0.9, 0.999], "eps": 1e-8, "steps": STEPS,
        "names": names,  # state_dict order (JSON objects are unordered)
        "src": rows(src), "tgt": tgt.reshape(-1).tolist(), "target": rows(target),
        "initial": initial, "output": rows(out), "loss": loss.item(), "grads": grads, "src_grad": src_grad,
        "losses": losses, "final": {n: rows(p) for n, p in net.named_parameters()}, "final_loss": final_loss,
    }
    write_fixture(out_path, fixture)
    print("wrote", out_path, "loss", loss.item(), "final loss", final_loss)


if __name__ == "__main__":
    main()
