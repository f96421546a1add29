// Pendulum-v1 dynamics. Every expression keeps Gymnasium's operand order so the doubles round the same way
// as NumPy's; the torque arrives as the float32 action widened to double, as NumPy promotes it.
#include "envs/pendulum.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

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

Pendulum::Pendulum(const PendulumConfig& cfg) : cfg_(cfg) {
    auto bad = [](const char* field, double v, const char* expected) {
        throw std::invalid_argument(std::string("pendulum: ") + field + " = " + std::to_string(v) + ", expected " +
                                    expected);
    };
    if (!std::isfinite(cfg.g)) bad("g", cfg.g, "finite");
    if (!(cfg.max_speed > 0) || !std::isfinite(cfg.max_speed)) bad("max_speed", cfg.max_speed, "finite and > 0");
    if (!(cfg.max_torque > 0) || !std::isfinite(cfg.max_torque)) bad("max_torque", cfg.max_torque, "finite and > 0");
    if (!(cfg.dt > 0) || !std::isfinite(cfg.dt)) bad("dt", cfg.dt, "finite and > 0");
    if (!(cfg.m > 0) || !std::isfinite(cfg.m)) bad("m", cfg.m, "finite and > 0");
    if (!(cfg.l > 0) || !std::isfinite(cfg.l)) bad("l", cfg.l, "finite and > 0");
    if (cfg.max_steps < 1) bad("max_steps", cfg.max_steps, ">= 1");
    const float T = static_cast<float>(cfg.max_torque), V = static_cast<float>(cfg.max_speed);
    spec_.id = "pendulum";
    spec_.about = "Gymnasium's Pendulum-v1: swing a pole up and hold it (torque-limited)";
    spec_.obs_dim = S;
    spec_.act_dim = A;
    spec_.state_dim = 2;
    spec_.act_low = {-T};
    spec_.act_high = {T};
    spec_.obs_low = {-1.0f, -1.0f, -V};
    spec_.obs_high = {1.0f, 1.0f, V};
    spec_.max_steps = cfg.max_steps;
    spec_.success_window = kSuccessWindow;
    spec_.success = "|theta| < 0.1 rad after each of the last 50 steps";
    spec_.distance = "|angle_normalize(Δθ)|";
    spec_.distance_unit = "rad";
    auto num = setting_text;
    spec_.settings = {{"g", num(cfg.g)},   {"max_speed", num(cfg.max_speed)}, {"max_torque", num(cfg.max_torque)},
                      {"dt", num(cfg.dt)}, {"m", num(cfg.m)},                 {"l", num(cfg.l)}};
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

void Pendulum::reset_to(const double* state) {
    if (!std::isfinite(state[0]) || !std::isfinite(state[1]))
        throw std::invalid_argument("pendulum: reset_to(" + std::to_string(state[0]) + ", " + std::to_string(state[1]) +
                                    "), expected a finite state");
    reset_to(state[0], state[1]);
}

EnvStep Pendulum::step(const float* action) {
    if (!std::isfinite(action[0]))
        throw std::invalid_argument("pendulum: action " + std::to_string(action[0]) + ", expected a finite torque");
    const StepResult r = step(double(action[0]));
    return {r.reward, false, false};
}

void Pendulum::get_state(double* state) const {
    state[0] = th_;
    state[1] = thdot_;
}

bool Pendulum::at_goal() const { return std::fabs(angle_normalize(th_)) < kUprightAngle; }

double Pendulum::state_distance(const double* a, const double* b) const { return std::fabs(angle_normalize(a[0] - b[0])); }

double Pendulum::goal_error() const { return std::fabs(angle_normalize(th_)); }

// The pole from the pivot (origin) to its tip at (−sin θ, cos θ)·l (θ counter-clockwise from upright), the
// target (upright) as a faint line.
void Pendulum::draw(Scene& scene) const {
    const double l = cfg_.l;
    scene.xmin = scene.ymin = -1.3 * l;
    scene.xmax = scene.ymax = 1.3 * l;
    Shape goal{Shape::Segment, 0, 0, 0, l, 0, 0.02 * l, {200, 230, 200}};
    Shape pole{Shape::Segment, 0, 0, -std::sin(th_) * l, std::cos(th_) * l, 0, 0.08 * l, {200, 60, 50}};
    Shape pivot{Shape::Disc, 0, 0, 0.06 * l, 0, 0, 0, {40, 40, 40}};
    scene.shapes.insert(scene.shapes.end(), {goal, pole, pivot});
}

}  // namespace imitate
