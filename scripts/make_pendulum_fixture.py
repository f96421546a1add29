#!/usr/bin/python3
"""Writes tests/fixtures/pendulum_ref.txt: Pendulum-v1 trajectories computed by the NumPy replica of
Gymnasium (../shared/anchors/pendulum.py), which tests/test_pendulum.cpp replays to 1e-6. Run once from the
repo root:  /usr/bin/python3 scripts/make_pendulum_fixture.py [path/to/anchors]  (CI never runs it).
Actions are float32 arrays, as a policy hands them to gymnasium; they include values outside ±2."""
import os
import sys

import numpy as np

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
anchors = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "..", "shared", "anchors")
sys.path.insert(0, anchors)
import pendulum as ref  # noqa: E402


def episode(env, th0, thd0, actions=None):
    """Runs 200 steps from (th0, thd0); actions[t] or, if None, the replica's PD expert_action(obs)."""
    env.reset(seed=0)
    env.state = np.array([th0, thd0], dtype=np.float64)
    obs = env._get_obs()
    rows = []
    for t in range(env.max_episode_steps):
        a = ref.expert_action(obs) if actions is None else np.array([actions[t]], dtype=np.float32)
        obs, r, term, trunc, _ = env.step(a)
        assert not term
        th, thd = env.state
        rows.append((float(a[0]), float(r), float(th), float(thd), *(float(v) for v in obs), int(trunc)))
    return rows


def main():
    rng = np.random.default_rng(20261126)
    t = np.arange(200)
    cases = [
        # (label, g, theta0, thetadot0, actions or None for the PD expert)
        ("random_pm3", 10.0, 0.5, -0.3, rng.uniform(-3, 3, 200).astype(np.float32)),
        ("sine_2.5", 10.0, -2.9, 0.9, (2.5 * np.sin(t / 7.0)).astype(np.float32)),
        ("const_+2_speedclip", 10.0, 3.0, 0.0, np.full(200, 2.0, np.float32)),
        ("unwrapped_-4", 10.0, 10.0, -5.0, np.full(200, -4.0, np.float32)),
        ("random_pm2_fast", 10.0, -7.5, 7.9, rng.uniform(-2, 2, 200).astype(np.float32)),
        ("g9.81_random_pm3", 9.81, 1.2, -0.7, rng.uniform(-3, 3, 200).astype(np.float32)),
        ("pd_expert", 10.0, 0.3, 0.2, None),
        ("pd_expert", 10.0, -2.2, -0.8, None),
        ("pd_expert", 10.0, 2.9, 0.95, None),
    ]
    out = os.path.join(repo, "tests", "fixtures", "pendulum_ref.txt")
    with open(out, "w") as f:
        f.write("# Pendulum-v1 reference trajectories from the NumPy replica of gymnasium (numpy %s).\n" % np.__version__)
        f.write("# Written by scripts/make_pendulum_fixture.py; do not edit.\n")
        f.write("# episode <label> <g> <theta0> <thetadot0> <T>, then T lines:\n")
        f.write("# <action float32> <reward> <theta> <thetadot> <obs0> <obs1> <obs2> <truncated>\n")
        f.write("# (post-step state and observation; pd_expert episodes record the replica's expert_action)\n")
        for label, g, th0, thd0, acts in cases:
            env = ref.PendulumEnv(g=g)
            rows = episode(env, th0, thd0, acts)
            f.write("episode %s %r %r %r %d\n" % (label, g, th0, thd0, len(rows)))
            for row in rows:
                f.write(" ".join(repr(v) for v in row[:-1]) + " %d\n" % row[-1])
    print("wrote", out)


if __name__ == "__main__":
    main()
