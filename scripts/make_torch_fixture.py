#!/usr/bin/python3
"""PyTorch <-> safetensors interop fixtures for tests/test_safetensors.cpp and tests/test_torch_interop.sh.

  make_torch_fixture.py [OUTDIR]               writes OUTDIR/torch_bcpolicy_h4.safetensors (the seed's BCPolicy
                                               state_dict after torch.manual_seed(0)) and
                                               OUTDIR/torch_bcpolicy_h4_outputs.txt (its outputs on 3 observations);
                                               OUTDIR defaults to tests/fixtures.
  make_torch_fixture.py --check-cpp FILE OUTPUTS
                                               parses a C++-written FILE by hand, checks its values, loads it into
                                               BCPolicy with load_state_dict(strict=True) and compares the module's
                                               outputs with OUTPUTS (written by the C++ hand forward).
The safetensors package is not required: the format (u64 little-endian header length, JSON header padded with
spaces to a multiple of 8, raw little-endian float32 data) is written and read by hand here.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

OBSERVATIONS = [[1.0, 0.0, 0.0], [0.5, -0.8660254, 1.5], [-1.0, 0.0, -3.0]]


class BCPolicy(nn.Module):
    """The seed's behaviour-cloning policy: observation (3) -> action chunk (H=4 x A=1)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 4))

    def forward(self, x):
        return self.net(x)


def write_safetensors(path, state_dict):
    header, blobs, offset = {}, [], 0
    for name in sorted(state_dict):
        arr = state_dict[name].detach().cpu().contiguous().numpy().astype("<f4")
        blob = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(path + ".tmp", path)


def read_safetensors(path):
    """Returns ({name: float32 tensor}, metadata); fails loudly on anything unexpected."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert 8 + n <= len(data), f"{path}: header length {n} exceeds the file"

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), f"{path}: duplicate key in {keys}"
        return dict(pairs)

    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    buf = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors, covered = {}, []
    for name, e in header.items():
        assert set(e) == {"dtype", "shape", "data_offsets"}, f"{path}: {name}: keys {sorted(e)}"
        assert e["dtype"] == "F32", f"{path}: {name}: dtype {e['dtype']}"
        begin, end = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64))
        assert end - begin == 4 * count, f"{path}: {name}: offsets {begin},{end} vs shape {e['shape']}"
        arr = np.frombuffer(buf, dtype="<f4", count=count, offset=begin).astype(np.float32)
        tensors[name] = torch.from_numpy(arr.copy()).reshape(e["shape"])
        covered.append((begin, end))
    pos = 0
    for begin, end in sorted(covered):
        assert begin == pos, f"{path}: offsets gap or overlap at byte {begin}"
        pos = end
    assert pos == len(buf), f"{path}: {len(buf) - pos} trailing bytes"
    return tensors, metadata


def make(outdir):
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    policy = BCPolicy()
    path = os.path.join(outdir, "torch_bcpolicy_h4.safetensors")
    write_safetensors(path, policy.state_dict())
    with torch.no_grad():
        y = policy(torch.tensor(OBSERVATIONS, dtype=torch.float32))
    lines = [f"# obs[3] then BCPolicy outputs[4]; torch {torch.__version__}, torch.manual_seed(0), float32"]
    for obs, out in zip(OBSERVATIONS, y.tolist()):
        lines.append(" ".join(f"{v:.9g}" for v in obs + out))
    with open(os.path.join(outdir, "torch_bcpolicy_h4_outputs.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # Self-check: the hand-written file reads back to the same tensors.
    back, _ = read_safetensors(path)
    for name, t in policy.state_dict().items():
        assert torch.equal(back[name], t), name
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and outputs for {len(OBSERVATIONS)} observations")


def torch_vs_cpp(forward, outputs, S, atol):
    """A C++ test's outputs file (rows of an observation's S numbers, then the C++ prediction; '#' lines skipped):
    forward on the observations in float32 against the predictions in float64. Asserts |y - cpp| <= atol + 1e-4 |cpp|
    everywhere (naming the file); returns (rows, max |y - cpp|)."""
    rows = [[float(v) for v in line.split()] for line in open(outputs) if line.strip() and not line.startswith("#")]
    with torch.no_grad():
        y = forward(torch.tensor([r[:S] for r in rows], dtype=torch.float32)).double()
    cpp = torch.tensor([r[S:] for r in rows], dtype=torch.float64)
    assert y.shape == cpp.shape, f"{outputs}: shape {tuple(cpp.shape)} vs torch {tuple(y.shape)}"
    err = (y - cpp).abs().max().item()
    assert ((y - cpp).abs() <= atol + 1e-4 * cpp.abs()).all(), f"{outputs}: torch differs from C++ by {err}"
    return len(rows), err


def check_cpp(path, outputs):
    tensors, metadata = read_safetensors(path)
    assert metadata == {"format": "pt"}, f"{path}: metadata {metadata}"
    # Value j of the k-th tensor in name order is ((7j + 13k) mod 101 - 50) / 4096 (see test_safetensors.cpp).
    for k, name in enumerate(sorted(tensors)):
        j = np.arange(tensors[name].numel(), dtype=np.int64)
        expected = torch.from_numpy((((7 * j + 13 * k) % 101 - 50) / 4096.0).astype(np.float32))
        assert torch.equal(tensors[name].reshape(-1), expected), f"{path}: values of {name} differ"
    policy = BCPolicy()
    policy.load_state_dict(tensors, strict=True)
    # The outputs are about 3e-3 (weights are at most 50/4096), so the bound is relative: float32 torch vs the
    # double C++ forward agree to about 3e-7 relative.
    n, err = torch_vs_cpp(policy, outputs, 3, 1e-7)
    assert n == len(OBSERVATIONS), f"{outputs}: {n} rows"
    print(f"torch loaded {path} ({len(tensors)} tensors) with load_state_dict(strict=True); "
          f"max |torch - C++| = {err:.2e}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check-cpp":
        check_cpp(sys.argv[2], sys.argv[3])
    elif len(sys.argv) <= 2:
        here = os.path.dirname(os.path.abspath(__file__))
        make(sys.argv[1] if len(sys.argv) == 2 else os.path.normpath(os.path.join(here, "..", "tests", "fixtures")))
    else:
        sys.exit(__doc__)
