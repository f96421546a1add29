// Pendulum-v1 dynamics. Every expression keeps Gymnasium's operand order so the doubles round the same way
// as NumPy's; the torque arrives as the float32 action widened to double, as NumPy promotes it.
#include "envs/pendulum.hpp"

#include <cmath>

namespace imitate {

namespace {
// np.clip / std::clamp semantics, NaN passes through.
double clip(double x, double lo, double hi) { return x < lo ? lo : (hi < x ? hi : x); }
}  // namespace

double angle_normalize(double x) {
    // Python's float %: fmod, then shift into the sign of the divisor (CPython float_rem / npy_divmod).
    const double two_pi = 2.0 * M_PI;
    const double y = x + M_PI;
    if (y >= 0.0 && y < two_pi) return y - M_PI;  // fmod would return y unchanged: skip it (the usual case)
    double mod = std::fmod(y, two_pi);
    if (mod != 0.0) {
        if (mod < 0.0) mod += two_pi;
    } else {
        mod = 0.0;  // copysign(0, 2π): never -0
    }
    return mod - M_PI;
}

void Pendulum::reset(Rng& rng) {
    th_ = rng.uniform(-M_PI, M_PI);
    thdot_ = rng.uniform(-1.0, 1.0);
    elapsed_ = 0;
}

void Pendulum::reset_to(double theta, double thetadot) {
    th_ = theta;
    thdot_ = thetadot;
    elapsed_ = 0;
}

StepResult Pendulum::step(double u) {
    const double th = th_, thdot = thdot_;
    const double g = cfg_.g, m = cfg_.m, l = cfg_.l, dt = cfg_.dt;

    u = clip(u, -cfg_.max_torque, cfg_.max_torque);
    const double an = angle_normalize(th);
    const double cost = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);

    double newthdot = thdot + (3.0 * g / (2.0 * l) * std::sin(th) + 3.0 / (m * (l * l)) * u) * dt;
    newthdot = clip(newthdot, -cfg_.max_speed, cfg_.max_speed);
    const double newth = th + newthdot * dt;

    th_ = newth;
    thdot_ = newthdot;
    ++elapsed_;
    return {-cost, false, elapsed_ >= cfg_.max_steps};
}

void Pendulum::observe(float* obs) const {
    obs[0] = static_cast<float>(std::cos(th_));
    obs[1] = static_cast<float>(std::sin(th_));
    obs[2] = static_cast<float>(thdot_);
}

std::array<float, Pendulum::S> Pendulum::observation() const {
    std::array<float, S> o;
    observe(o.data());
    return o;
}

}  // namespace imitate
