// The point mass, its expert and its lockstep rollouts. Episodes are few and cheap (a few additions per
// step), so the rollout runs on the calling thread; experiments parallelise over whole rollouts instead.
#include "envs/point_mass.hpp"

#include <cmath>
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

PointMass::PointMass(const PointMassConfig& cfg) : cfg_(cfg) { validate(cfg_); }

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
    if (!std::isfinite(vx) || !std::isfinite(vy))
        throw std::invalid_argument("point_mass: action (" + std::to_string(vx) + ", " + std::to_string(vy) +
                                    "), expected finite velocities");
    if (done())
        throw std::logic_error("point_mass: step() after the episode ended (" +
                               std::string(goal_ ? "goal reached" : collided_ ? "collision" : "time limit") +
                               " at step " + std::to_string(elapsed_) + "); call reset first");
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

BatchPolicy point_mass_expert(std::vector<int> sides, const PointMassConfig& env, const PointMassExpertConfig& cfg) {
    return [sides = std::move(sides), env, cfg](const Mat& obs, Mat& out) {
        if (obs.rows() != static_cast<Eigen::Index>(sides.size()) || obs.cols() != PointMass::S)
            throw std::invalid_argument("point_mass expert: obs has shape " + shape_str(obs) + ", expected (" +
                                        std::to_string(sides.size()) + ",2) (one row per side)");
        out.resize(obs.rows(), PointMass::A);
        for (Eigen::Index b = 0; b < obs.rows(); ++b) {
            const std::array<float, 2> v = point_mass_expert_action(obs.row(b).data(), sides[b], env, cfg);
            out(b, 0) = v[0];
            out(b, 1) = v[1];
        }
    };
}

// ------------------------------------------------------------------------------------------ rollouts
std::vector<PointMassEpisode> rollout_point_mass(const BatchPolicy& policy, const PointMassRolloutConfig& cfg) {
    if (cfg.episodes < 0) bad("episodes", cfg.episodes, ">= 0");
    if (cfg.chunk < 1) bad("chunk", cfg.chunk, ">= 1");
    if (!cfg.starts.empty() && cfg.starts.size() != static_cast<size_t>(cfg.episodes))
        bad("starts.size()", double(cfg.starts.size()), "0 or episodes (" + std::to_string(cfg.episodes) + ")");
    constexpr int S = PointMass::S, A = PointMass::A;
    const int N = cfg.episodes, H = cfg.chunk, T = cfg.env.max_steps;
    std::vector<PointMass> envs(N, PointMass(cfg.env));
    std::vector<PointMassEpisode> eps(N);
    std::vector<std::vector<double>> path(N);  // x0, y0, x1, y1, ...: trimmed into eps[i].path at the end
    Mat obs(N, S), plan;

    // 1. reset every episode and observe its start
    for (int i = 0; i < N; ++i) {
        PointMassEpisode& e = eps[i];
        e.seed = derive_seed(cfg.seed, static_cast<uint64_t>(i));
        Rng rng(e.seed);
        if (cfg.starts.empty())
            envs[i].reset(rng);
        else
            envs[i].reset_to(cfg.starts[i][0], cfg.starts[i][1]);
        e.observations.resize(T, S);
        e.actions.resize(T, A);
        e.rewards.reserve(T);
        envs[i].observe(obs.row(i).data());
        path[i] = {envs[i].x(), envs[i].y()};
    }

    int running = N;
    for (int t = 0; t < T && running > 0; ++t) {
        // 2. a new chunk for every row when the last one is used up
        if (t % H == 0) {
            policy(obs, plan);
            if (plan.rows() != N || plan.cols() != H * A)
                throw std::invalid_argument("point_mass rollout: policy returned shape " + shape_str(plan) + ", expected (" +
                                            std::to_string(N) + "," + std::to_string(H * A) + ")");
        }
        // 3. step every running episode with action t mod H of its chunk
        for (int i = 0; i < N; ++i) {
            if (envs[i].done()) continue;
            PointMassEpisode& e = eps[i];
            const float vx = plan(i, (t % H) * A), vy = plan(i, (t % H) * A + 1);
            e.observations.row(t) = obs.row(i);
            e.actions(t, 0) = vx;
            e.actions(t, 1) = vy;
            const double prev_y = envs[i].y();
            const PointMassStep r = envs[i].step(vx, vy);
            e.rewards.push_back(r.reward);
            path[i].insert(path[i].end(), {envs[i].x(), envs[i].y()});
            const double oy = cfg.env.obstacle_y;
            if (e.side == 0 && prev_y < oy && envs[i].y() >= oy) e.side = envs[i].x() < cfg.env.obstacle_x ? -1 : 1;
            envs[i].observe(obs.row(i).data());
            if (envs[i].done()) {
                --running;
                e.success = envs[i].reached_goal();
                e.collided = envs[i].collided();
                e.truncated = r.truncated;
            }
        }
    }

    // 4. trim the records to each episode's length
    for (int i = 0; i < N; ++i) {
        PointMassEpisode& e = eps[i];
        const Eigen::Index Ti = envs[i].elapsed();
        e.observations.conservativeResize(Ti, S);
        e.actions.conservativeResize(Ti, A);
        e.path = Eigen::Map<const MatD>(path[i].data(), Ti + 1, 2);
    }
    return eps;
}

std::vector<PointMassEpisode> rollout_point_mass_expert(const PointMassRolloutConfig& cfg,
                                                        const PointMassExpertConfig& expert) {
    if (cfg.chunk != 1) bad("chunk", cfg.chunk, "1 for the expert (it answers one action per query)");
    if (cfg.episodes < 0) bad("episodes", cfg.episodes, ">= 0");
    return rollout_point_mass(point_mass_expert(point_mass_sides(cfg.episodes, cfg.seed), cfg.env, expert), cfg);
}

}  // namespace imitate
