"""The same as predict.cpp through the Python module (imitate.py over imitate.h): prints a policy's chunk as
`imitate predict` does. Usage: predict.py <policy.safetensors> <o1,o2,...> [<seed>: sample instead]."""
import sys

import numpy as np

import imitate

policy = imitate.Policy(sys.argv[1])
obs = np.array([np.float32(v) for v in sys.argv[2].split(",")], dtype=np.float32)
chunk = policy.predict(obs) if len(sys.argv) < 4 else policy.sample(obs, int(sys.argv[3]))
assert chunk.shape == (policy.chunk, policy.act_dim) and chunk.dtype == np.float32
for row in chunk:
    print(" ".join("%.9g" % float(v) for v in row))
