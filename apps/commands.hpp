// Arguments of each subcommand, and the commands that live in their own files.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cmath>
#include <string>

#include "algorithms/heads/head.hpp"

namespace imitate::cli {

struct Globals {
    bool quiet = false;  // print only results
};

struct SeedArgs { int episodes = 100; int epochs = 100; int eval_episodes = 100; uint64_t eval_seed = 10000; uint64_t seed = 0; };
struct CollectArgs { std::string env = "pendulum", expert, out, mix; int episodes = 0; uint64_t seed = 0; double noise = 0; };
struct TrainArgs {
    std::string env, data, out, stride = "1", hidden = "256,256", activation = "relu";
    int chunk = 1, epochs = 100, batch = 256;
    long steps = 0;                     // > 0: exactly this many minibatch steps instead of epochs
    bool batch_given = false, length_given = false;  // --batch, --epochs/--steps given (dt has its own defaults)
    float lr = 1e-3f;
    bool normalize = false;
    uint64_t seed = 0;
    std::string head = "mse", action_range;  // action_range "LO,HI" (empty: the data's)
    HeadConfig head_cfg;                      // the heads' settings (their flags: add_head_flags)
    const CLI::Option* latent_opt = nullptr;  // --latent and --beta: given? (act's defaults differ)
    const CLI::Option* beta_opt = nullptr;
};
struct EvalArgs {
    std::string env, policy, expert, exec = "open", video;
    int steps = 0;
    int episodes = 100;
    uint64_t seed = 10000;
    bool json = false;
    bool sample = false;  // sample from the policy's head (seeded by --seed) instead of its deterministic predict
    double target_return = std::nan("");  // dt: the return asked for (NaN: the policy's default)
};
struct DaggerArgs {
    std::string env = "pendulum", expert, beta = "first", hidden = "256,256", out;
    int rounds = 5, episodes_per_round = 10, initial_episodes = 0, epochs = 50, chunk = 1, eval_episodes = 100;
    bool warm_start = false;
    uint64_t seed = 0;
};
struct PredictArgs { std::string env, policy, obs; bool sample = false; uint64_t seed = 0; double target_return = std::nan(""); };
struct EnvsArgs { bool json = false; };
struct ExperimentArgs {
    std::string name, out, env;
    int seeds = 10;
    bool quick = false;
    bool resume = false;  // keep the finished jobs' files in OUT/jobs/, run only the missing ones
};

CLI::App* add_experiment_command(CLI::App& app, ExperimentArgs& a);
int cmd_experiment(const ExperimentArgs& a, const Globals& g);

}  // namespace imitate::cli
