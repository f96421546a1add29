"""ACT (Zhao et al. 2023), state-based, in PyTorch: the module imitate's `--head act` follows (algorithms/heads/act.hpp).

Its state_dict keys and shapes are the tensors of an imitate ACT checkpoint, so `load_state_dict(load_file(path))`
works on a file written by `imitate train --head act` (safetensors.torch, or read the file by hand). Used by
scripts/make_act_fixture.py (the golden test's numbers) and bench/peers/act_torch.py (the speed peer).

  CVAE encoder (training only): tokens [cvae_cls, cvae_obs_proj(s), cvae_action_proj(a_1..a_k)] + fixed sinusoidal
      positions -> cvae_encoder (pre-norm, non-causal, final norm) -> latent_proj(CLS output) = [mu | logvar]
  policy: memory [latent_out_proj(z), obs_proj(s)] + memory_pos -> encoder; queries query_embed (k, d) ->
      decoder (non-causal self-attention, cross-attention to the memory) -> action_head on each -> chunk (B, k*A)
  loss: sum(mask*|pred - a|) / sum(mask) + beta * mean over rows with a real element of
      sum_l -1/2 (1 + logvar - mu^2 - exp(logvar)),   z = mu + exp(logvar/2) * eps,  a zeroed where mask is 0
"""
import math

import torch
from torch import nn


def sinusoid(t, d, dtype=torch.float32):
    """(t, d): pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(p / 10000^(2i/d)) (Vaswani et al.)."""
    pe = torch.zeros(t, d, dtype=torch.float64)
    for p in range(t):
        for c in range(d):
            w = math.exp(-(c - c % 2) * math.log(10000.0) / d)
            pe[p, c] = math.sin(p * w) if c % 2 == 0 else math.cos(p * w)
    return pe.to(dtype)


class ACT(nn.Module):
    def __init__(self, S, A, H, d_model=64, nhead=4, dim_ff=256, enc_layers=2, layers=2, dec_layers=2, latent=16,
                 beta=10.0):
        super().__init__()
        self.S, self.A, self.H, self.L, self.d, self.beta = S, A, H, latent, d_model, beta

        def enc_layer():
            return nn.TransformerEncoderLayer(d_model, nhead, dim_ff, dropout=0.0, activation="relu", batch_first=True,
                                              norm_first=True)

        self.cvae_cls = nn.Embedding(1, d_model)
        self.cvae_obs_proj = nn.Linear(S, d_model)
        self.cvae_action_proj = nn.Linear(A, d_model)
        self.cvae_encoder = nn.TransformerEncoder(enc_layer(), enc_layers, norm=nn.LayerNorm(d_model),
                                                  enable_nested_tensor=False)
        self.latent_proj = nn.Linear(d_model, 2 * latent)
        self.latent_out_proj = nn.Linear(latent, d_model)
        self.obs_proj = nn.Linear(S, d_model)
        self.memory_pos = nn.Embedding(2, d_model)
        self.encoder = nn.TransformerEncoder(enc_layer(), layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False)
        self.query_embed = nn.Embedding(H, d_model)
        dec = nn.TransformerDecoderLayer(d_model, nhead, dim_ff, dropout=0.0, activation="relu", batch_first=True,
                                         norm_first=True)
        self.decoder = nn.TransformerDecoder(dec, dec_layers, norm=nn.LayerNorm(d_model))
        self.action_head = nn.Linear(d_model, A)
        self.register_buffer("cvae_pos", sinusoid(H + 2, d_model), persistent=False)

    def encode(self, obs, chunk):
        """obs (B, S), chunk (B, k*A) with padding zeroed -> (B, 2L) = [mu | logvar]"""
        B = obs.shape[0]
        cls = self.cvae_cls.weight.expand(B, 1, self.d)
        acts = self.cvae_action_proj(chunk.reshape(B, self.H, self.A))
        x = torch.cat([cls, self.cvae_obs_proj(obs).unsqueeze(1), acts], dim=1) + self.cvae_pos.to(obs.dtype)
        return self.latent_proj(self.cvae_encoder(x)[:, 0])

    def decode(self, obs, z):
        """obs (B, S), z (B, L) -> chunk (B, k*A), row-major (b, h*A + a)"""
        B = obs.shape[0]
        mem = torch.stack([self.latent_out_proj(z), self.obs_proj(obs)], dim=1) + self.memory_pos.weight
        mem = self.encoder(mem)
        y = self.decoder(self.query_embed.weight.expand(B, self.H, self.d), mem)
        return self.action_head(y).reshape(B, self.H * self.A)

    def loss(self, obs, target, mask, eps):
        """obs (B, S), target and mask (B, k*A), eps (B, L) -> the scalar loss"""
        stats = self.encode(obs, target * mask)
        mu, logvar = stats[:, :self.L], stats[:, self.L:]
        z = mu + torch.exp(0.5 * logvar) * eps
        l1 = (mask * (self.decode(obs, z) - target).abs()).sum() / mask.sum()
        kl_row = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(dim=1)
        real = (mask > 0).any(dim=1).to(obs.dtype)
        return l1 + self.beta * (kl_row * real).sum() / real.sum()

    def predict(self, obs):
        """obs (B, S) -> chunk (B, k*A) at z = 0 (the prior's mean)"""
        return self.decode(obs, torch.zeros(obs.shape[0], self.L, dtype=obs.dtype))
