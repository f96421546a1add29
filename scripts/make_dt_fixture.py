#!/usr/bin/python3
"""Golden fixture for tests/test_dt.cpp, computed by PyTorch (Debian's python3-torch 1.13), not by imitate.

  /usr/bin/python3 scripts/make_dt_fixture.py [OUT]   (OUT defaults to tests/fixtures/dt_golden.json)

DecisionTransformer below is the PyTorch module a checkpoint of `imitate train --head dt` loads into (its
state_dict keys are the checkpoint's tensor names, after the "dt." prefix): returns-to-go, states and actions of
B windows of K steps are embedded (nn.Linear each, plus nn.Embedding of the timestep added to all three tokens
of a step), interleaved (R_1, s_1, a_1, R_2, ...), layer-normed, passed through causal pre-norm
nn.TransformerEncoderLayers (GELU, dropout 0), a final nn.LayerNorm, and nn.Linear(d, A) on each state token's
output predicts that step's action. Loss: MSE over the real (mask 1) steps. One window of the batch is short
(padded after its last real step, as imitate pads windows near an episode's start).
Weights are drawn in float32 (PyTorch's init, then every parameter nudged by 0.1*N(0,1)), then the whole run is
in float64: the forward, the loss, the gradient of every parameter, and 10 steps of torch.optim.Adam(lr=1e-2).
Rows of (B, K, C) tensors are flattened to (B*K, C), imitate's layout.
"""
import os
import sys

import torch
from torch import nn

from make_transformer_fixture import rows, write_fixture  # the same layout and number format (scripts/ is on sys.path)

S, A, K, D, HEADS, FF, LAYERS, MAX_T = 3, 2, 4, 16, 2, 32, 2, 10
B = 3
LR, STEPS = 1e-2, 10


class DecisionTransformer(nn.Module):
    def __init__(self, state_dim, act_dim, context, d, heads, ff, layers, max_timestep):
        super().__init__()
        self.embed_return = nn.Linear(1, d)
        self.embed_state = nn.Linear(state_dim, d)
        self.embed_action = nn.Linear(act_dim, d)
        self.embed_timestep = nn.Embedding(max_timestep, d)
        self.embed_ln = nn.LayerNorm(d)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="gelu",
                                                                batch_first=True, norm_first=True)
                                     for _ in range(layers)])
        self.norm = nn.LayerNorm(d)
        self.predict_action = nn.Linear(d, act_dim)
        self.d = d

    def forward(self, rtg, states, actions, timesteps):
        """rtg (B,T,1) already divided by return_scale, states (B,T,S), actions (B,T,A), timesteps (B,T) -> (B,T,A)."""
        b, t = states.shape[0], states.shape[1]
        time = self.embed_timestep(timesteps)
        tokens = torch.stack((self.embed_return(rtg) + time, self.embed_state(states) + time,
                              self.embed_action(actions) + time), dim=2).reshape(b, 3 * t, self.d)
        x = self.embed_ln(tokens)
        causal = torch.triu(torch.full((3 * t, 3 * t), float("-inf"), dtype=x.dtype), diagonal=1)
        for layer in self.layers:
            x = layer(x, src_mask=causal)
        x = self.norm(x).reshape(b, t, 3, self.d)
        return self.predict_action(x[:, :, 1])


def masked_mse(pred, target, mask):
    return ((pred - target) ** 2 * mask).sum() / mask.sum()


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                                                                  "dt_golden.json")
    torch.manual_seed(0)
    net = DecisionTransformer(S, A, K, D, HEADS, FF, LAYERS, MAX_T)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1 * torch.randn_like(p))
    rtg32 = torch.randn(B, K, 1)
    states32 = torch.randn(B, K, S)
    actions32 = torch.randn(B, K, A)
    timesteps = torch.randint(0, MAX_T, (B, K))
    mask = torch.ones(B, K, A, dtype=torch.float64)
    # window 1 is short: 2 real steps, then padding (zeros, timestep 0, mask 0)
    rtg32[1, 2:] = 0
    states32[1, 2:] = 0
    actions32[1, 2:] = 0
    timesteps[1, 2:] = 0
    mask[1, 2:] = 0
    net = net.double().train()
    rtg, states, actions = rtg32.double(), states32.double(), actions32.double()
    names = [n for n, _ in net.named_parameters()]
    assert names == list(net.state_dict().keys())
    initial = {n: rows(p) for n, p in net.named_parameters()}

    out = net(rtg, states, actions, timesteps)
    loss = masked_mse(out, actions, mask)
    loss.backward()
    grads = {n: rows(p.grad) for n, p in net.named_parameters()}

    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        step_loss = masked_mse(net(rtg, states, actions, timesteps), actions, mask)
        losses.append(step_loss.item())
        step_loss.backward()
        opt.step()
    with torch.no_grad():
        final_loss = masked_mse(net(rtg, states, actions, timesteps), actions, mask).item()

    fixture = {
        "description": "PyTorch " + torch.__version__ + " (python3-torch), float64: scripts/make_dt_fixture.py. "
                       "DecisionTransformer(rtg, states, actions, timesteps) -> actions at the state tokens; masked MSE "
                       "against the actions. initial: weights; output/loss/grads: first forward and backward; losses: "
                       "loss before each Adam step; final/final_loss: after the steps.",
        "sizes": {"S": S, "A": A, "K": K, "d": D, "heads": HEADS, "ff": FF, "layers": LAYERS, "max_timestep": MAX_T,
                  "B": B},
        "lr": LR, "betas": [0.9, 0.999], "eps": 1e-8, "steps": STEPS,
        "names": names,
        "rtg": rows(rtg), "states": rows(states), "actions": rows(actions), "timesteps": timesteps.reshape(-1).tolist(),
        "mask": rows(mask),
        "initial": initial, "output": rows(out), "loss": loss.item(), "grads": grads,
        "losses": losses, "final": {n: rows(p) for n, p in net.named_parameters()}, "final_loss": final_loss,
    }
    write_fixture(out_path, fixture)
    print("wrote", out_path, "loss", loss.item(), "final loss", final_loss)


if __name__ == "__main__":
    main()
