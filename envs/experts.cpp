// Expert controllers and the success criterion. The PD expert mirrors the NumPy expression's dtypes
// (float32 arctan2, float64 arithmetic, float32 result) so it reproduces the seed's demonstrations.
#include "envs/experts.hpp"

#include <cmath>
#include <stdexcept>

#include "envs/pendulum.hpp"

namespace imitate {

namespace {
// Pendulum owns the success rule; these read a θ history with it.
constexpr int kSuccessWindow = Pendulum::kSuccessWindow;
constexpr double kSuccessAngle = Pendulum::kUprightAngle;

double clip2(double u) { return u < -2.0 ? -2.0 : (u > 2.0 ? 2.0 : u); }

void check_obs(const Mat& obs, const char* who) {
    if (obs.cols() != Pendulum::S)
        throw std::invalid_argument(std::string(who) + ": obs has shape " + shape_str(obs) + ", expected (B,3)");
}
}  // namespace

bool is_success(const std::vector<double>& theta) {
    const int T = static_cast<int>(theta.size());
    if (T < kSuccessWindow) return false;
    for (int t = T - kSuccessWindow; t < T; ++t)
        if (!(std::fabs(angle_normalize(theta[t])) < kSuccessAngle)) return false;
    return true;
}

int settle_step(const std::vector<double>& theta) {
    int n = static_cast<int>(theta.size());
    while (n > 0 && std::fabs(angle_normalize(theta[n - 1])) < kSuccessAngle) --n;
    return n == static_cast<int>(theta.size()) ? -1 : n + 1;
}

float pd_expert_action(const float* obs) {
    const float theta = std::atan2(obs[1], obs[0]);  // float overload, as np.arctan2 on float32
    const double u = -5.0 * double(theta) - 0.5 * double(obs[2]);
    return static_cast<float>(clip2(static_cast<float>(u)));
}

void pd_expert(const Mat& obs, Mat& out) {
    check_obs(obs, "pd_expert");
    out.resize(obs.rows(), Pendulum::A);
    for (Eigen::Index b = 0; b < obs.rows(); ++b) out(b, 0) = pd_expert_action(obs.row(b).data());
}

float swingup_action(const float* obs, const SwingUpConfig& cfg) {
    const double theta = std::atan2(double(obs[1]), double(obs[0]));
    const double thdot = obs[2];
    // Near upright and slow enough: the PD's basin. kp > 5 leaves 3kp - 15 > 0 of restoring stiffness.
    if (std::fabs(theta) < cfg.catch_angle && std::fabs(thdot) < cfg.catch_speed)
        return static_cast<float>(clip2(-cfg.kp * theta - cfg.kd * thdot));
    // Otherwise pump: dE/dt = 3uθ̇, so u ∝ (E* - E)·sign(θ̇) drives E to the upright energy 15.
    // At θ̇ == 0 sign would be 0 and a pendulum resting at the bottom would never move: push +1 instead.
    const double E = 0.5 * thdot * thdot + 15.0 * double(obs[0]);
    const double dir = thdot >= 0.0 ? 1.0 : -1.0;
    return static_cast<float>(clip2(cfg.k_energy * (15.0 - E) * dir));
}

void swingup_expert(const Mat& obs, Mat& out, const SwingUpConfig& cfg) {
    check_obs(obs, "swingup_expert");
    out.resize(obs.rows(), Pendulum::A);
    for (Eigen::Index b = 0; b < obs.rows(); ++b) out(b, 0) = swingup_action(obs.row(b).data(), cfg);
}

EnvEntry pendulum_entry() {
    return {"pendulum",
            [] { return std::make_unique<Pendulum>(); },
            {{"pd", "the seed's PD, u = clip(-5θ - 0.5θ̇, ±2): weak, ~5% success (cannot lift a hanging pole)",
              [] { return std::make_unique<PendulumPD>(); }},
             {"swingup", "energy pumping, then a stiff PD near upright: 100% of 1000 starts",
              [] { return std::make_unique<PendulumSwingUp>(); }}}};
}

}  // namespace imitate
