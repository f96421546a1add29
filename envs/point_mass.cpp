// The point mass and its expert.
#include "envs/point_mass.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace imitate {

namespace {

double clip(double v, double m) { return v < -m ? -m : (v > m ? m : v); }

[[noreturn]] void bad(const std::string& field, double v, const std::string& expected) {
    throw std::invalid_argument("point_mass: " + field + " = " + std::to_string(v) + ", expected " + expected);
}

}  // namespace

void validate(const PointMassConfig& c) {
    auto finite = [](double v) { return std::isfinite(v); };
    if (!(c.dt > 0) || !finite(c.dt)) bad("dt", c.dt, "finite and > 0");
    if (!(c.max_speed > 0) || !finite(c.max_speed)) bad("max_speed", c.max_speed, "finite and > 0");
    if (!(c.start_halfwidth >= 0) || !finite(c.start_halfwidth)) bad("start_halfwidth", c.start_halfwidth, "finite and >= 0");
    if (!(c.obstacle_radius > 0) || !finite(c.obstacle_radius)) bad("obstacle_radius", c.obstacle_radius, "finite and > 0");
    if (!(c.goal_radius > 0) || !finite(c.goal_radius)) bad("goal_radius", c.goal_radius, "finite and > 0");
    if (!finite(c.obstacle_x) || !finite(c.obstacle_y) || !finite(c.goal_x) || !finite(c.goal_y))
        throw std::invalid_argument("point_mass: obstacle and goal centres must be finite");
    if (c.max_steps < 1) bad("max_steps", c.max_steps, ">= 1");
    // The start band is the segment y = 0, |x| <= w: its closest point to the obstacle's centre.
    const double nx = clip(c.obstacle_x, c.start_halfwidth);
    if (std::hypot(nx - c.obstacle_x, c.obstacle_y) < c.obstacle_radius)
        bad("obstacle_radius", c.obstacle_radius, "small enough that the start band (y = 0) lies outside the obstacle");
    if (std::hypot(c.goal_x - c.obstacle_x, c.goal_y - c.obstacle_y) < c.obstacle_radius + c.goal_radius)
        bad("goal_radius", c.goal_radius, "small enough that the goal disc and the obstacle do not overlap");
}

PointMass::PointMass(const PointMassConfig& cfg) : cfg_(cfg) {
    validate(cfg_);
    const float v = static_cast<float>(cfg.max_speed), inf = INFINITY;
    spec_.id = "point_mass";
    spec_.about = "2-D point mass going round a disc obstacle to a goal (bimodal demonstrations)";
    spec_.obs_dim = S;
    spec_.act_dim = A;
    spec_.state_dim = 2;
    spec_.act_low = {-v, -v};
    spec_.act_high = {v, v};
    spec_.obs_low = {-inf, -inf};
    spec_.obs_high = {inf, inf};
    spec_.max_steps = cfg.max_steps;
    spec_.success_window = 1;
    spec_.success = "reaches the goal disc without entering the obstacle";
    spec_.distance = "‖Δ(x, y)‖";  // the state is the position: the default Euclidean distance
    spec_.distance_unit = "position units";
    auto num = setting_text;
    spec_.settings = {{"dt", num(cfg.dt)},
                      {"max_speed", num(cfg.max_speed)},
                      {"start_halfwidth", num(cfg.start_halfwidth)},
                      {"obstacle", num(cfg.obstacle_x) + "," + num(cfg.obstacle_y) + "," + num(cfg.obstacle_radius)},
                      {"goal", num(cfg.goal_x) + "," + num(cfg.goal_y) + "," + num(cfg.goal_radius)}};
}

void PointMass::reset(Rng& rng) {
    x_ = rng.uniform(-cfg_.start_halfwidth, cfg_.start_halfwidth);
    y_ = 0.0;
    elapsed_ = 0;
    goal_ = collided_ = false;
}

void PointMass::reset_to(double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y))
        throw std::invalid_argument("point_mass: reset_to(" + std::to_string(x) + ", " + std::to_string(y) +
                                    "), expected a finite position");
    if (std::hypot(x - cfg_.obstacle_x, y - cfg_.obstacle_y) < cfg_.obstacle_radius)
        throw std::invalid_argument("point_mass: reset_to(" + std::to_string(x) + ", " + std::to_string(y) +
                                    ") is inside the obstacle, expected a position outside it");
    x_ = x;
    y_ = y;
    elapsed_ = 0;
    goal_ = collided_ = false;
}

PointMassStep PointMass::step(double vx, double vy) {
    if (done())
        throw std::logic_error("point_mass: step() after the episode ended (" +
                               std::string(goal_ ? "goal reached" : collided_ ? "collision" : "time limit") +
                               " at step " + std::to_string(elapsed_) + "); call reset first");
    return advance(vx, vy);
}

void PointMass::reset_to(const double* state) {
    if (!std::isfinite(state[0]) || !std::isfinite(state[1]))
        throw std::invalid_argument("point_mass: reset_to(" + std::to_string(state[0]) + ", " +
                                    std::to_string(state[1]) + "), expected a finite position");
    x_ = state[0];
    y_ = state[1];
    elapsed_ = 0;
    collided_ = std::hypot(x_ - cfg_.obstacle_x, y_ - cfg_.obstacle_y) < cfg_.obstacle_radius;
    goal_ = !collided_ && std::hypot(x_ - cfg_.goal_x, y_ - cfg_.goal_y) < cfg_.goal_radius;
}

// The Env contract's step: the time limit is the caller's, so only a terminated episode refuses a step.
EnvStep PointMass::step(const float* action) {
    if (goal_ || collided_)
        throw std::logic_error("point_mass: step() after the episode ended (" +
                               std::string(goal_ ? "goal reached" : "collision") + " at step " +
                               std::to_string(elapsed_) + "); call reset first");
    const PointMassStep r = advance(double(action[0]), double(action[1]));
    return {r.reward, r.terminated, false};
}

PointMassStep PointMass::advance(double vx, double vy) {
    if (!std::isfinite(vx) || !std::isfinite(vy))
        throw std::invalid_argument("point_mass: action (" + std::to_string(vx) + ", " + std::to_string(vy) +
                                    "), expected finite velocities");
    // p' = p + dt · clip(v)
    x_ += cfg_.dt * clip(vx, cfg_.max_speed);
    y_ += cfg_.dt * clip(vy, cfg_.max_speed);
    ++elapsed_;
    collided_ = std::hypot(x_ - cfg_.obstacle_x, y_ - cfg_.obstacle_y) < cfg_.obstacle_radius;
    goal_ = !collided_ && std::hypot(x_ - cfg_.goal_x, y_ - cfg_.goal_y) < cfg_.goal_radius;
    const double reward = collided_ ? -1.0 : (goal_ ? 1.0 : 0.0);
    return {reward, collided_ || goal_, !collided_ && !goal_ && elapsed_ >= cfg_.max_steps};
}

void PointMass::observe(float* obs) const {
    obs[0] = static_cast<float>(x_);
    obs[1] = static_cast<float>(y_);
}

double PointMass::goal_error() const { return std::hypot(x_ - cfg_.goal_x, y_ - cfg_.goal_y); }

// The obstacle (grey disc), the goal (green disc) and the point (blue).
void PointMass::draw(Scene& scene) const {
    const PointMassConfig& c = cfg_;
    scene.xmin = -1.6;
    scene.xmax = 1.6;
    scene.ymin = -0.3;
    scene.ymax = c.goal_y + 0.4;
    scene.shapes.push_back({Shape::Disc, c.obstacle_x, c.obstacle_y, c.obstacle_radius, 0, 0, 0, {120, 120, 120}});
    scene.shapes.push_back({Shape::Disc, c.goal_x, c.goal_y, c.goal_radius, 0, 0, 0, {90, 200, 90}});
    scene.shapes.push_back({Shape::Disc, x_, y_, 0.06, 0, 0, 0, {40, 80, 220}});
}

// ------------------------------------------------------------------------------------------ the expert
std::array<float, 2> point_mass_expert_action(const float* obs, int side, const PointMassConfig& env,
                                              const PointMassExpertConfig& cfg) {
    if (side != -1 && side != 1)
        throw std::invalid_argument("point_mass expert: side = " + std::to_string(side) + ", expected -1 or +1");
    const double x = obs[0], y = obs[1];
    // 1. straight up to the fork, landing on it: the same for both sides
    if (y < cfg.fork_y - 1e-6) return {0.0f, static_cast<float>(std::min(cfg.speed, (cfg.fork_y - y) / env.dt))};
    // 2. then the waypoint beside the obstacle until level with it, 3. then the goal
    const bool to_waypoint = y < env.obstacle_y - cfg.switch_dy;
    const double tx = to_waypoint ? env.obstacle_x + side * cfg.waypoint_dx : env.goal_x;
    const double ty = to_waypoint ? env.obstacle_y : env.goal_y;
    const double dx = tx - x, dy = ty - y, dist = std::hypot(dx, dy);
    if (dist == 0.0) return {0.0f, 0.0f};
    const double v = std::min(cfg.speed, dist / env.dt);  // land on the target rather than overshoot it
    return {static_cast<float>(v * dx / dist), static_cast<float>(v * dy / dist)};
}

std::vector<int> point_mass_sides(int episodes, uint64_t seed) {
    if (episodes < 0) bad("episodes", episodes, ">= 0");
    std::vector<int> sides(static_cast<size_t>(episodes));
    for (int i = 0; i < episodes; ++i)
        sides[i] = Rng(derive_seed(derive_seed(seed, static_cast<uint64_t>(i)), 1)).uniform() < 0.5 ? -1 : 1;
    return sides;
}

void PointMassExpert::reset(uint64_t episode_seed) {
    side_ = Rng(derive_seed(episode_seed, 1)).uniform() < 0.5 ? -1 : 1;
}

void PointMassExpert::act(const Env&, const float* obs, float* action) {
    const std::array<float, 2> v = point_mass_expert_action(obs, side_, env_, cfg_);
    action[0] = v[0];
    action[1] = v[1];
}

int passing_side(const MatD& states, const std::vector<double>& final_state, const PointMassConfig& env) {
    const Eigen::Index T = states.rows();
    for (Eigen::Index t = 1; t <= T; ++t) {  // positions after each step: states(1..T-1), then the final one
        const double x = t < T ? states(t, 0) : final_state.at(0), y = t < T ? states(t, 1) : final_state.at(1);
        const double prev_y = states(t - 1, 1);
        if (prev_y < env.obstacle_y && y >= env.obstacle_y) return x < env.obstacle_x ? -1 : 1;
    }
    return 0;
}

EnvEntry point_mass_entry() {
    return {"point_mass",
            [] { return std::make_unique<PointMass>(); },
            {{"sides", "up to a fork, then round the obstacle on a side drawn per episode (left or right, 1/2 each)",
              [] { return std::make_unique<PointMassExpert>(); }}}};
}

}  // namespace imitate
