"""The Python module (python/imitate.py, the build tree's copy) against the command line: a policy trained by
`imitate train` predicts the same bits as `imitate predict`, samples as `imitate predict --sample`, raises
with the library's message on bad input, and drives a NumPy Pendulum-v1 for an episode.
Usage: test_python.py <build dir> <work dir>    (run by tests/test_python.sh with PYTHONPATH=<build>/python)"""
import os
import subprocess
import sys

import numpy as np

import imitate

build, work = sys.argv[1], sys.argv[2]
exe = os.path.join(build, "apps", "imitate")


class Pendulum:
    """Gymnasium's Pendulum-v1 in NumPy (gymnasium/envs/classic_control/pendulum.py, the same equations).

    A pole on a frictionless pivot; the goal is to swing it up and hold it upright (theta = 0).
    Action (1,): torque in [-2, 2] (clipped). Observation (3,) float32: cos(theta), sin(theta) in [-1, 1],
    theta_dot in [-8, 8]. Reward: -(angle_normalize(theta)^2 + 0.1 theta_dot^2 + 0.001 u^2), in
    [-16.2736, 0]. Start: theta ~ U[-pi, pi], theta_dot ~ U[-1, 1]. Truncated after 200 steps; never
    terminates. Constants: g = 10, m = 1, l = 1, dt = 0.05, max_speed = 8, max_torque = 2.
    """

    max_speed, max_torque, dt, g, m, l, max_episode_steps = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0, 200

    def reset(self, seed):
        rng = np.random.default_rng(seed)
        self.state = rng.uniform(low=[-np.pi, -1.0], high=[np.pi, 1.0])
        self.t = 0
        return self._obs()

    def _obs(self):
        th, thdot = self.state
        return np.array([np.cos(th), np.sin(th), thdot], dtype=np.float32)

    def step(self, u):
        th, thdot = self.state
        u = np.clip(u, -self.max_torque, self.max_torque)[0]
        costs = ((th + np.pi) % (2 * np.pi) - np.pi) ** 2 + 0.1 * thdot**2 + 0.001 * u**2
        newthdot = thdot + (3 * self.g / (2 * self.l) * np.sin(th) + 3.0 / (self.m * self.l**2) * u) * self.dt
        newthdot = np.clip(newthdot, -self.max_speed, self.max_speed)
        newth = th + newthdot * self.dt
        self.state = np.array([newth, newthdot])
        self.t += 1
        return self._obs(), -costs, False, self.t >= self.max_episode_steps


def cli(*args):
    return subprocess.run([exe, "--quiet", *args], check=True, capture_output=True, text=True).stdout


def as_cli_text(chunk):
    """A (H, A) chunk printed as `imitate predict` prints it."""
    return "".join(" ".join("%.9g" % float(v) for v in row) + "\n" for row in chunk)


def expect_raises(exc, needle, fn):
    try:
        fn()
    except exc as e:
        assert needle in str(e), "%r does not mention %r" % (str(e), needle)
        assert "\n" not in str(e)
        return
    raise AssertionError("no %s (%s)" % (exc.__name__, needle))


# 1. a policy trained by the command line
demos, mse, gmm = (os.path.join(work, f) for f in ("demos.npz", "mse.safetensors", "gmm.safetensors"))
cli("collect", "--expert", "swingup", "--episodes", "4", "--seed", "1", "--out", demos)
cli("train", "--data", demos, "--chunk", "4", "--epochs", "20", "--normalize", "--out", mse)
cli("train", "--data", demos, "--chunk", "2", "--epochs", "2", "--head", "gmm", "--out", gmm)
print("imitate", imitate.version())

# 2. the same bits as `imitate predict`, batch 1 and as rows of a batch
policy = imitate.Policy(mse)
assert (policy.obs_dim, policy.act_dim, policy.chunk) == (3, 1, 4), (policy.obs_dim, policy.act_dim, policy.chunk)
observations = [(1.0, 0.0, 0.0), (0.5, -0.25, 1.5), (-1.0, 0.0, -3.75), (0.125, 0.875, 7.5)]
for o in observations:
    want = cli("predict", "--policy", mse, "--obs", ",".join(repr(v) for v in o))
    got = policy.predict(np.array(o, np.float32))
    assert got.shape == (4, 1) and got.dtype == np.float32
    assert as_cli_text(got) == want, (o, as_cli_text(got), want)
batch = policy.predict(np.array(observations, np.float32))
assert batch.shape == (len(observations), 4, 1)
print("predict: %d observations match imitate predict bit for bit" % len(observations))

sampler = imitate.Policy(gmm)
o = (0.5, -0.25, 1.5)
for seed in (0, 3, 2**64 - 1):
    want = cli("predict", "--policy", gmm, "--obs", ",".join(map(repr, o)), "--sample", "--seed", str(seed))
    got = sampler.sample(np.array(o, np.float32), seed)
    assert as_cli_text(got) == want, (seed, as_cli_text(got), want)
    assert np.array_equal(got, sampler.sample(np.array(o, np.float32), seed))
assert not np.array_equal(sampler.sample(np.array(o, np.float32), 1), sampler.sample(np.array(o, np.float32), 2))
print("sample: matches imitate predict --sample, reproducible from the seed")

# ACT (a transformer head): predict and sample give the command line's bits
act = os.path.join(work, "act.safetensors")
cli("train", "--data", demos, "--chunk", "4", "--epochs", "1", "--head", "act", "--d-model", "16", "--nhead", "2",
    "--dim-ff", "32", "--normalize", "--out", act)
transformer = imitate.Policy(act)
assert (transformer.obs_dim, transformer.act_dim, transformer.chunk) == (3, 1, 4)
assert as_cli_text(transformer.predict(np.array(o, np.float32))) == cli("predict", "--policy", act, "--obs", ",".join(map(repr, o)))
assert as_cli_text(transformer.sample(np.array(o, np.float32), 5)) == cli("predict", "--policy", act, "--obs",
                                                                          ",".join(map(repr, o)), "--sample", "--seed", "5")
print("act: predict and sample match imitate predict")

# 3. errors: the library's message as an exception
expect_raises(imitate.ImitateError, "does_not_exist.safetensors", lambda: imitate.Policy(os.path.join(work, "does_not_exist.safetensors")))
truncated = os.path.join(work, "truncated.safetensors")
with open(mse, "rb") as f, open(truncated, "wb") as g:
    g.write(f.read()[:100])
expect_raises(imitate.ImitateError, "truncated.safetensors", lambda: imitate.Policy(truncated))
expect_raises(imitate.ImitateError, "demos.npz", lambda: imitate.Policy(demos))  # wrong format
expect_raises(ValueError, "expected (3,)", lambda: policy.predict(np.zeros(4, np.float32)))
expect_raises(ValueError, "expected (3,)", lambda: policy.predict(np.zeros((0, 3), np.float32)))
expect_raises(ValueError, "seed", lambda: sampler.sample(np.zeros(3, np.float32), -1))
sampler.close()
expect_raises(imitate.ImitateError, "closed", lambda: sampler.predict(np.zeros(3, np.float32)))
print("errors: ImitateError / ValueError with the library's message")

# 4. an episode of the NumPy Pendulum-v1, chunks executed open loop (H = 4 actions per query)
env = Pendulum()
obs = env.reset(seed=7)
total, steps, truncated_ = 0.0, 0, False
while not truncated_:
    for action in policy.predict(obs):
        obs, reward, terminated, truncated_ = env.step(action)
        assert not terminated and -16.2736045 <= reward <= 0.0 and np.all(np.isfinite(obs))
        total += reward
        steps += 1
        if truncated_:
            break
assert steps == 200, steps
print("pendulum: one episode of %d steps, return %.1f" % (steps, total))
policy.close()

# 5. a stateful policy (the Decision Transformer): reset, then predict and reward in turn, as the CLI does
mix, dt = os.path.join(work, "mix.npz"), os.path.join(work, "dt.safetensors")
cli("collect", "--expert", "swingup", "--mix", "expert:2,random:2", "--seed", "2", "--out", mix)
cli("train", "--data", mix, "--head", "dt", "--steps", "5", "--context", "4", "--d-model", "16", "--nhead", "2",
    "--ff", "32", "--dt-layers", "1", "--batch", "8", "--normalize", "--out", dt)
agent = imitate.Policy(dt)
assert agent.stateful and not imitate.Policy(mse).stateful
o = (0.5, -0.25, 1.5)
agent.reset(1, -250.0)
first = agent.predict(np.array(o, np.float32))
assert as_cli_text(first) == cli("predict", "--policy", dt, "--obs", ",".join(map(repr, o)), "--target-return", "-250")
expect_raises(imitate.ImitateError, "without the reward", lambda: agent.predict(np.array(o, np.float32)))
obs = env.reset(seed=8)
agent.reset(1, -300.0)
for t in range(30):
    obs, reward, terminated, truncated_ = env.step(agent.predict(obs)[0])
    agent.reward(reward)
agent.predict(obs)
expect_raises(imitate.ImitateError, "not finite", lambda: agent.reward(float("nan")))
agent.close()
print("dt: reset / predict / reward through the C interface, first action as imitate predict --target-return")
print("PASS")
