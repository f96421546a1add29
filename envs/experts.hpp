// Expert controllers for Pendulum-v1, its success criterion over a θ history, and its row of the table.
// pd is the seed program's demonstrator, kept exactly (and weak); swingup pumps energy into the pendulum
// until it is near upright, then holds it there with a stiffer PD. Both are Experts (envs/env.hpp) that
// read only the observation; pd_expert/swingup_expert are the same laws over a batch of observations.
#pragma once
#include <vector>

#include "engine/tensor.hpp"
#include "envs/env.hpp"
#include "envs/registry.hpp"

namespace imitate {

// Success: |angle_normalize(θ)| < 0.1 rad at every one of the last 50 steps of the episode.
// theta[t] is θ AFTER action t (t = 0..T-1), so for a 200-step episode the checked states are the ones
// after steps 151..200 (1-based). Returns false when theta has fewer than 50 entries.
bool is_success(const std::vector<double>& theta);

// Settling time: the smallest n in 1..T such that θ after each of steps n, n+1, ..., T (1-based; theta[n-1]
// onwards) is within 0.1 rad of upright; -1 if the last one is not.
int settle_step(const std::vector<double>& theta);

// The seed program's PD expert, exactly: θ = atan2(sin, cos) of the observation (float32, as NumPy's
// arctan2 on float32), u = clip(-5θ - 0.5θ̇, -2, 2) computed in double and rounded to float32.
// Why it is weak: the linearised dynamics are θ̈ = 15θ + 3u (3g/(2l) = 15), and u = -5θ gives 3u = -15θ,
// which cancels gravity exactly: the pole has no restoring stiffness left, only damping. Worse, |3u| <= 6
// can hold 15 sin θ only while |sin θ| <= 0.4, i.e. |θ| <= 0.41 rad; farther out it saturates at
// -2·sign(θ), which pumps no energy into the swing, so it cannot lift a hanging pole. Measured (tests/test_experts.cpp, 1000 random starts, seed 1): 5.4% of
// episodes succeed (5.2-7.7% over seeds 1-10): only starts already close to upright and slow.
float pd_expert_action(const float* obs);
// obs (B,3) -> out (B,1).
void pd_expert(const Mat& obs, Mat& out);

struct SwingUpConfig {
    double k_energy = 0.5;   // pump gain: u = clip(k·(E* - E)·sign(θ̇), ±2), E = ½θ̇² + 15 cos θ, E* = 15
    double catch_angle = 0.5;  // switch to the PD once |θ| < catch_angle (rad) ...
    double catch_speed = 3.0;  // ... and |θ̇| < catch_speed (rad/s)
    double kp = 10.0;        // stabilising PD: u = clip(-kp·θ - kd·θ̇, ±2); kp > 5 so gravity is beaten
    double kd = 2.0;
};

// Energy pumping then PD. dE/dt = 3uθ̇ (g = 10, m = l = 1), so pushing along θ̇ adds energy while E < 15
// and brakes while E > 15. At rest (θ̇ == 0) it pushes +2 to start the swing. Measured
// (tests/test_experts.cpp, 1000 random starts, seed 1): 100% success; settles (settle_step) in 32 steps
// median, 75 at p99 (seeds 1-10: 100% each, median 32-33, p99 74-76, worst 112).
float swingup_action(const float* obs, const SwingUpConfig& cfg = {});
// obs (B,3) -> out (B,1).
void swingup_expert(const Mat& obs, Mat& out, const SwingUpConfig& cfg = {});

// The two laws as Experts of the Env contract (they read the observation only).
class PendulumPD : public Expert {
public:
    std::unique_ptr<Expert> clone() const override { return std::make_unique<PendulumPD>(*this); }
    void act(const Env&, const float* obs, float* action) override { action[0] = pd_expert_action(obs); }
};
class PendulumSwingUp : public Expert {
public:
    explicit PendulumSwingUp(const SwingUpConfig& cfg = {}) : cfg_(cfg) {}
    std::unique_ptr<Expert> clone() const override { return std::make_unique<PendulumSwingUp>(*this); }
    void act(const Env&, const float* obs, float* action) override { action[0] = swingup_action(obs, cfg_); }

private:
    SwingUpConfig cfg_;
};

// The table's row: "pendulum" with experts "pd" (the default: the seed's) and "swingup".
EnvEntry pendulum_entry();

}  // namespace imitate
