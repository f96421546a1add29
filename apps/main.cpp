// The `imitate` command: parses flags, calls the library, prints tables and writes files.
// Every error — a bad flag, a missing or corrupt file, wrong dimensions — becomes one line on stderr and
// a non-zero exit; every output file is written atomically.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include <unistd.h>

#include "algorithms/bc.hpp"
#include "algorithms/io/policy_checkpoint.hpp"
#include "algorithms/dagger.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/experiments/sweep.hpp"
#include "algorithms/imitate.h"
#include "algorithms/mixed_data.hpp"
#include "algorithms/noise_injection.hpp"
#include "algorithms/io/dataset_npz.hpp"
#include "algorithms/io/atomic_file.hpp"
#include "commands.hpp"
#include "engine/threads.hpp"
#include "envs/experts.hpp"
#include "envs/pendulum.hpp"
#include "envs/registry.hpp"
#include "progress.hpp"
#include "video.hpp"

namespace imitate::cli {

// ------------------------------------------------------------------------------------ flag parsing
// --expert NAME of env, or the env's first expert (its default demonstrator) when NAME is empty.
std::string expert_name(const std::string& env, const std::string& flag) {
    return flag.empty() ? find_env(env).experts.at(0).name : flag;
}
std::shared_ptr<const Expert> pick_expert(const std::string& env, const std::string& flag) {
    return make_expert(env, expert_name(env, flag));
}

// The "id" of an EnvSpec::identity() recorded in a file ("" if none is recorded).
std::string recorded_id(const std::string& identity, const std::string& file) {
    if (identity.empty()) return "";
    const nlohmann::json j = nlohmann::json::parse(identity, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string())
        throw std::runtime_error(file + ": the recorded environment is not an environment identity");
    return j["id"].get<std::string>();
}

// The environment a command runs on: --env when given, else the one `file` records, else Pendulum (files
// from before environments were recorded, and PyTorch-written checkpoints, are Pendulum's). Refuses a file
// made for another environment, or with other settings or sizes, with one line naming both.
std::unique_ptr<Env> env_for(const std::string& flag, const std::string& identity, int obs_dim, int act_dim,
                             const std::string& file, const char* what) {
    const std::string rec = recorded_id(identity, file);
    std::unique_ptr<Env> env = make_env(!flag.empty() ? flag : !rec.empty() ? rec : "pendulum");
    const EnvSpec& sp = env->spec();
    if (!identity.empty() && rec != sp.id)
        throw std::invalid_argument(file + ": " + what + " made for environment '" + rec + "', not for '" + sp.id + "'");
    if (!identity.empty() && identity != sp.identity())
        throw std::invalid_argument(file + ": " + what + " made for environment " + identity + ", not for " +
                                    sp.identity() + " (the same id, other settings)");
    if (obs_dim != sp.obs_dim || act_dim != sp.act_dim)
        throw std::invalid_argument(file + ": " + what + " has obs_dim " + std::to_string(obs_dim) + ", act_dim " +
                                    std::to_string(act_dim) + "; environment '" + sp.id + "' has obs_dim " +
                                    std::to_string(sp.obs_dim) + ", act_dim " + std::to_string(sp.act_dim));
    return env;
}

// MemAvailable from /proc/meminfo in bytes (0 if unknown).
double available_memory() {
    std::ifstream f("/proc/meminfo");
    std::string key, unit;
    double kb = 0;
    while (f >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024.0;
    return 0;
}

// "mse | gmm | ...": the head table's names, for --head's help.
std::string head_names() {
    std::string s;
    for (const Head* h : head_table()) s += (s.empty() ? "" : " | ") + std::string(h->name);
    return s;
}

// The heads' settings as `imitate train` flags: every row's settings (heads/head.hpp), each once, named
// --key ('-' for '_'), writing straight into `h`, with help "<heads>: <help> (<range>)". The ranges are
// checked by validate_head after parsing (cmd_train), so a row is the one place that declares them.
void add_head_flags(CLI::App& cmd, HeadConfig& h) {
    struct Flag {
        std::string key, heads, help, range;
        std::function<void(const std::string&)> add;  // registers the flag with the final help text
    };
    struct Collect final : HeadSettings {
        CLI::App& cmd;
        std::vector<Flag> flags;
        const char* head = "";
        explicit Collect(CLI::App& c) : cmd(c) {}
        void add(const char* key, const char* help, std::string range, std::function<void(const std::string&)> f) {
            for (Flag& x : flags)
                if (x.key == key) return void(x.heads += std::string(", ") + head);
            flags.push_back({key, head, help, std::move(range), std::move(f)});
        }
        std::string name(const char* key) const {
            std::string n = std::string("--") + key;
            std::replace(n.begin(), n.end(), '_', '-');
            return n;
        }
        void integer(const char* key, const char* help, int& v, int lo, int hi, const char* hi_name, bool even) override {
            const std::string range = std::string(even ? "even, " : "") +
                                      (hi_name ? "in " + std::to_string(lo) + ".." + hi_name
                                       : hi == kMaxHeadSetting ? ">= " + std::to_string(lo)
                                                               : "in " + std::to_string(lo) + ".." + std::to_string(hi));
            add(key, help, range, [&, n = name(key)](const std::string& d) { cmd.add_option(n, v, d); });
        }
        void positive(const char* key, const char* help, float& v) override {
            add(key, help, "> 0", [&, n = name(key)](const std::string& d) { cmd.add_option(n, v, d); });
        }
        void non_negative(const char* key, const char* help, float& v) override {
            add(key, help, ">= 0", [&, n = name(key)](const std::string& d) { cmd.add_option(n, v, d); });
        }
        void real(const char* key, const char* help, float& v) override {
            add(key, help, "finite", [&, n = name(key)](const std::string& d) { cmd.add_option(n, v, d); });
        }
        void flag(const char* key, const char* help, bool& v) override {
            add(key, help, "", [&, n = name(key)](const std::string& d) { cmd.add_flag(n, v, d); });
        }
        void sampler(const char* key, const char* help, Sampler& v) override {
            add(key, help, "ddpm | ddim", [&, n = name(key)](const std::string& d) {
                cmd.add_option_function<std::string>(n, [&v, n](const std::string& s) {
                    try {
                        v = parse_sampler(s);
                    } catch (const std::invalid_argument& e) {
                        throw CLI::ValidationError(n, e.what());
                    }
                }, d)->default_str(sampler_name(v));
            });
        }
    } c(cmd);
    for (const Head* row : head_table()) {
        c.head = row->name;
        row->settings(h, c);
    }
    for (const Flag& f : c.flags) f.add(f.heads + ": " + f.help + (f.range.empty() ? "" : " (" + f.range + ")"));
}

std::vector<int> parse_hidden(const std::string& s) {
    std::vector<int> v;
    if (s == "none") return v;
    size_t pos = 0;
    while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        try {
            size_t used = 0;
            long x = std::stol(part, &used);
            if (used != part.size() || x < 1 || x > 65536) throw std::invalid_argument("");
            v.push_back(static_cast<int>(x));
        } catch (const std::exception&) {
            throw std::invalid_argument("--hidden '" + s + "': '" + part + "' is not a width in 1..65536");
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return v;
}

// --exec's grammar, before any file is read; k <= H is checked against the policy later (check_exec).
void parse_exec(const std::string& s, ExecConfig& ev) {
    auto number = [&](const std::string& t, bool integer) {
        try {
            size_t used = 0;
            double x = integer ? double(std::stol(t, &used)) : std::stod(t, &used);
            if (used == t.size() && std::isfinite(x)) return x;
        } catch (const std::exception&) {
        }
        throw std::invalid_argument("--exec '" + s + "': '" + t + "' is not a number");
    };
    if (s == "open") {
        ev.mode = Exec::Open;
    } else if (s.rfind("receding:", 0) == 0) {
        ev.mode = Exec::Receding;
        double k = number(s.substr(9), true);
        if (k < 1 || k > 1e9) throw std::invalid_argument("--exec " + s + ": k must be >= 1");
        ev.receding_k = static_cast<int>(k);
    } else if (s == "ensemble" || s.rfind("ensemble:", 0) == 0) {
        ev.mode = Exec::Ensemble;
        ev.ensemble_m = s == "ensemble" ? 0.01 : number(s.substr(9), false);
        if (ev.ensemble_m < 0) throw std::invalid_argument("--exec " + s + ": m must be >= 0");
    } else {
        throw std::invalid_argument("--exec '" + s + "' is not one of open, receding:K, ensemble[:M]");
    }
}

// --exec receding:K against the loaded policy's chunk H.
void check_exec(const std::string& s, const ExecConfig& ev, int chunk) {
    if (ev.mode == Exec::Receding && ev.receding_k > chunk)
        throw std::invalid_argument("--exec " + s + ": k must be in 1.." + std::to_string(chunk) + " (the policy's chunk H)");
}

std::vector<float> parse_floats(const std::string& flag, const std::string& s) {
    std::vector<float> v;
    size_t pos = 0;
    while (true) {
        size_t comma = s.find(',', pos);
        std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        try {
            size_t used = 0;
            float x = std::stof(part, &used);
            if (used != part.size() || !std::isfinite(x)) throw std::invalid_argument("");
            v.push_back(x);
        } catch (const std::exception&) {
            throw std::invalid_argument(flag + " '" + s + "': '" + part + "' is not a finite number");
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return v;
}

void ensure_parent_dir(const std::string& path) {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent))
        throw std::runtime_error(path + ": directory '" + parent.string() + "' does not exist");
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// BC training with the seed's log lines and a progress bar.
BCResult train_logged(const Dataset& data, const BCConfig& cfg, const Globals& g, const std::string& label) {
    const long total = cfg.epochs;
    Progress bar(label, total, g.quiet);
    return train_bc(data, cfg, [&](int epoch, float loss) {
        if (!g.quiet && epoch % 20 == 0) fmt::print("Epoch {}: loss = {:.4f}\n", epoch, loss);
        std::fflush(stdout);
        bar.update(epoch + 1);
    });
}

// ------------------------------------------------------------------------------------- commands
int cmd_seed(const SeedArgs& a, const Globals& g) {
    auto t0 = std::chrono::steady_clock::now();
    // 1. expert demonstrations (the seed's PD expert) on Pendulum-v1
    const Pendulum env;
    const auto pd = std::make_shared<const PendulumPD>();
    Dataset demos = collect_demos(env, pd, a.episodes, a.seed);
    double t_collect = seconds_since(t0);
    fmt::print("Collected {} transitions from {} PD-expert episodes ({:.2f} s)\n", demos.size(), a.episodes, t_collect);
    // 2. BC with H = 1 and H = 4 (the seed's non-overlapping chunks, executed open loop)
    BCConfig bc;
    bc.epochs = a.epochs;
    bc.seed = a.seed;
    auto t1 = std::chrono::steady_clock::now();
    fmt::print("\nTraining H=1\n");
    BCResult h1 = train_logged(demos, bc, g, "train H=1");
    double t_h1 = seconds_since(t1);
    bc.policy.chunk = 4;
    bc.stride = 4;
    auto t2 = std::chrono::steady_clock::now();
    fmt::print("\nTraining H=4\n");
    BCResult h4 = train_logged(demos, bc, g, "train H=4");
    double t_h4 = seconds_since(t2);
    // 3. evaluate both and the expert from the same held-out starts
    auto t3 = std::chrono::steady_clock::now();
    EvalConfig ev;
    ev.episodes = a.eval_episodes;
    ev.seed = a.eval_seed;
    EvalResult e_exp = evaluate_expert(env, pd, ev);
    EvalResult e_h1 = evaluate(env, h1.policy, ev);
    EvalResult e_h4 = evaluate(env, h4.policy, ev);
    double t_eval = seconds_since(t3);
    fmt::print("\nEvaluation: {} episodes from held-out starts (seed {}); success = |θ| < 0.1 rad for the last 50 steps\n",
               ev.episodes, ev.seed);
    fmt::print("{}\n{}\n{}\n{}\n", eval_table_header(), eval_table_row("expert (PD)", e_exp), eval_table_row("BC H=1", e_h1),
               eval_table_row("BC H=4 (open loop)", e_h4));
    fmt::print("\nTime: collect {:.2f} s, train H=1 {:.2f} s ({} steps), train H=4 {:.2f} s ({} steps), evaluate {:.2f} s, total {:.2f} s\n",
               t_collect, t_h1, h1.steps, t_h4, h4.steps, t_eval, seconds_since(t0));
    return 0;
}

int cmd_collect(const CollectArgs& a, const Globals& g) {
    std::unique_ptr<Env> env = make_env(a.env);
    std::shared_ptr<const Expert> expert = pick_expert(a.env, a.expert);
    ensure_parent_dir(a.out);
    std::vector<MixPart> mix;
    if (!a.mix.empty()) {
        mix = parse_mix(a.mix);
        if (a.episodes > 0) throw std::invalid_argument("collect: give --episodes or --mix, not both");
        for (const MixPart& p : mix)
            if (p.controller == Controller::Noisy && !(a.noise > 0))
                throw std::invalid_argument("collect: --mix noisy:N needs --noise σ > 0 (the noisy expert's σ)");
    } else if (a.episodes < 1) {
        throw std::invalid_argument("collect: --episodes N or --mix expert:N,noisy:N,random:N is required");
    }
    long episodes = a.episodes;
    for (const MixPart& p : mix) episodes += p.episodes;
    // Refuse up front what would not fit: the rollout's records and the dataset built from them, per step.
    const EnvSpec& sp = env->spec();
    const double per_step = 2.0 * (4.0 * sp.obs_dim + 4.0 * 4 * sp.act_dim + 8.0 * sp.state_dim + 8 + 3) + 8;
    const double need = double(episodes) * sp.max_steps * per_step, have = available_memory();
    if (have > 0 && need > 0.8 * have)
        throw std::invalid_argument(fmt::format("collect: {} episodes of {} steps need about {:.1f} GiB of memory; this "
                                                "machine has {:.1f} GiB available", episodes, sp.max_steps,
                                                need / (1 << 30), have / (1 << 30)));
    Dataset d = mix.empty() ? collect_demos(*env, expert, a.episodes, a.seed, a.noise)
                            : collect_mixed(*env, expert, mix, a.seed, a.noise);
    save_npz(a.out, d);
    if (g.quiet) return 0;
    fmt::print("wrote {}: {} transitions, {} episodes ({}, expert {}{})\n", a.out, d.size(), d.num_episodes(), a.env,
               expert_name(a.env, a.expert), a.noise > 0 ? fmt::format(", noise σ={}", a.noise) : "");
    int64_t e = 0;
    for (const MixPart& p : mix) {  // each part's returns: what a return-conditioned policy can be asked for
        double lo = 1e300, hi = -1e300, sum = 0;
        for (int i = 0; i < p.episodes; ++i, ++e) {
            const auto [b, end] = d.episode_range(e);
            double r = 0;
            for (int64_t j = b; j < end; ++j) r += d.rewards[j];
            lo = std::min(lo, r), hi = std::max(hi, r), sum += r;
        }
        fmt::print("  {:<7} {:>6} episodes, return mean {:.1f}, min {:.1f}, max {:.1f}\n", controller_name(p.controller),
                   p.episodes, sum / p.episodes, lo, hi);
    }
    return 0;
}

int cmd_train(const TrainArgs& a, const Globals& g) {
    ensure_parent_dir(a.out);
    if (!a.env.empty()) find_env(a.env);  // an unknown --env fails before any file is read
    BCConfig bc;
    bc.policy.chunk = a.chunk;
    if (a.stride == "H" || a.stride == "h") bc.stride = a.chunk;
    else {
        try {
            size_t used = 0;
            long s = std::stol(a.stride, &used);
            if (used != a.stride.size() || s < 1) throw std::invalid_argument("");
            bc.stride = static_cast<int>(s);
        } catch (const std::exception&) {
            throw std::invalid_argument("--stride '" + a.stride + "' is not 1, H or a positive integer");
        }
    }
    bc.epochs = a.epochs;
    bc.lr = a.lr;
    bc.batch = a.batch;
    bc.policy.hidden = parse_hidden(a.hidden);
    bc.policy.activation = parse_activation(a.activation);
    bc.steps = a.steps;
    bc.normalize = a.normalize;
    bc.seed = a.seed;
    bc.policy.head = a.head_cfg;
    bc.policy.head.kind = parse_head(a.head);
    if (bc.policy.head.kind == HeadKind::ACT) {  // ACT's own defaults (Zhao et al.) where the flags are not given
        if (!a.latent_opt || a.latent_opt->count() == 0) bc.policy.head.latent = 16;
        if (!a.beta_opt || a.beta_opt->count() == 0) bc.policy.head.beta = 10;
    }
    if (!a.action_range.empty()) {
        std::vector<float> r = parse_floats("--action-range", a.action_range);
        if (r.size() != 2 || !(r[0] < r[1]))
            throw std::invalid_argument("--action-range '" + a.action_range + "' is not LO,HI with LO < HI");
        bc.policy.head.low = r[0], bc.policy.head.high = r[1];
    }
    for (const Head* row : head_table()) {  // every head's flags, the chosen head's and the others'
        HeadConfig h = bc.policy.head;
        h.kind = row->kind;
        validate_head(h, "train", false);
    }
    if (bc.policy.head.kind == HeadKind::DT) {  // windows of K steps: smaller minibatches, a number of steps
        if (!a.batch_given) bc.batch = 64;
        if (!a.length_given) bc.steps = 2000;
    }
    Dataset d = load_npz(a.data);
    if (d.size() == 0) throw std::invalid_argument(a.data + ": the dataset has no rows to train on");
    // Any sizes train; --env, when given, must be the data's environment (and names it if the file does not).
    if (!a.env.empty()) {
        std::unique_ptr<Env> env = env_for(a.env, d.env, int(d.observations.cols()), int(d.actions.cols()), a.data,
                                           "the dataset was");
        if (d.env.empty()) d.env = env->spec().identity();
    }
    auto t0 = std::chrono::steady_clock::now();
    BCResult r = train_logged(d, bc, g, "train");
    save_policy(a.out, r.policy);
    if (!g.quiet)
        fmt::print("wrote {}: head {}, H={}, {} steps in {:.2f} s, final epoch loss {:.6f}{}\n", a.out, a.head, bc.policy.chunk, r.steps,
                   seconds_since(t0), r.epoch_loss.empty() ? 0.0f : r.epoch_loss.back(),
                   r.refused ? fmt::format(" ({} non-finite steps refused)", r.refused) : "");
    return 0;
}

int cmd_eval(const EvalArgs& a, const Globals& g) {
    EvalConfig ev;
    ev.episodes = a.episodes;
    ev.seed = a.seed;
    ev.steps = a.steps;
    if (ev.episodes < 1) throw std::invalid_argument("--episodes must be >= 1");
    parse_exec(a.exec, ev.exec);          // every flag parses before any file is read
    if (!a.env.empty()) find_env(a.env);  // an unknown --env fails before any file is read
    if (!a.video.empty()) check_video_dir(a.video);
    // 1. the policy (or the expert) and the environment it runs on
    std::optional<Policy> pol;
    std::unique_ptr<Env> env;
    BatchPolicy bp;
    PolicyFeedback feedback;
    std::shared_ptr<const Expert> expert;
    int chunk = 1;
    std::string name;
    if (!a.policy.empty()) {
        pol = load_policy(a.policy);
        env = env_for(a.env, pol->env, pol->cfg.obs_dim, pol->cfg.act_dim, a.policy, "the policy was");
        if (!std::isnan(a.target_return) && !pol->stateful())
            throw std::invalid_argument(std::string("--target-return: the policy's head ") + pol->head().name +
                                        " does not condition on a return (only dt does)");
        if (pol->stateful())  // dt: deterministic (its sample is its prediction), told each step's reward
            bp = pol->as_batch_policy(feedback, a.target_return);
        else
            bp = a.sample ? pol->as_sampling_policy(derive_seed(a.seed, 1)) : pol->as_batch_policy();
        chunk = pol->cfg.chunk;
        name = std::filesystem::path(a.policy).filename().string();
        // The very starts the training data came from are not a test: say so.
        for (uint64_t s : pol->data_seeds)
            if (s == a.seed && (pol->env.empty() || pol->env == env->spec().identity()))
                fmt::print(stderr, "imitate: warning: --seed {} gives the start states the training data of {} was "
                                   "collected from (same environment and seed); choose another seed for held-out starts\n",
                           a.seed, a.policy);
    } else {
        const std::string id = a.env.empty() ? "pendulum" : a.env;
        env = make_env(id);
        expert = pick_expert(id, a.expert);
        name = "expert (" + expert_name(id, a.expert) + ")";
    }
    check_exec(a.exec, ev.exec, chunk);
    // 2. roll out, summarise, print; 3. the videos, replayed from the recorded states
    RolloutConfig rc = eval_rollout_config(ev);
    rc.feedback = feedback;
    const std::vector<Episode> eps = expert ? rollout_expert(*env, expert, rc) : rollout(*env, bp, rc);
    EvalResult r = summarize(eps);
    if (a.json) {
        fmt::print("{}", eval_json(r));
    } else {
        if (pol && pol->stateful())  // name the return it was asked for
            name += std::isnan(a.target_return)
                        ? fmt::format(" (target {:g}: the data's best)", pol->cfg.head.target_return)
                        : fmt::format(" (target {:g})", a.target_return);
        fmt::print("{}\n{}\n", eval_table_header(), eval_table_row(name, r));
    }
    if (!a.video.empty()) {
        const int n = write_videos(a.video, *env, eps);
        if (!g.quiet) fmt::print(stderr, "wrote {} videos to {}/ (one frame per step)\n", n, a.video);
    }
    return 0;
}

int cmd_dagger(const DaggerArgs& a, const Globals& g) {
    DAggerConfig dc;
    dc.rounds = a.rounds;
    dc.episodes_per_round = a.episodes_per_round;
    std::tie(dc.schedule, dc.p) = parse_beta(a.beta);
    dc.warm_start = a.warm_start;
    dc.seed = a.seed;
    dc.bc.epochs = a.epochs;
    dc.bc.policy.chunk = a.chunk;
    dc.bc.policy.hidden = parse_hidden(a.hidden);
    dc.bc.seed = a.seed;
    dc.eval.episodes = a.eval_episodes;
    std::unique_ptr<Env> env = make_env(a.env);
    std::shared_ptr<const Expert> expert = pick_expert(a.env, a.expert);

    std::filesystem::create_directories(a.out);  // only once every flag has parsed: a bad flag leaves nothing behind
    Dataset initial;
    if (a.initial_episodes > 0) initial = collect_demos(*env, expert, a.initial_episodes, derive_seed(a.seed, 1000));
    if (!g.quiet)
        fmt::print("DAgger on {}: {} rounds × {} episodes, beta {}, expert {}, {} initial demo episodes\n", a.env,
                   dc.rounds, dc.episodes_per_round, a.beta, expert_name(a.env, a.expert), a.initial_episodes);
    fmt::print("{:>5} {:>6} {:>10} {:>12} {:>9} {:>17} {:>12}\n", "round", "beta", "new labels", "total labels", "success",
               "95% CI", "mean return");
    std::string csv = "round,beta,new_labels,total_labels,success_rate,success_lo,success_hi,mean_return,std_return\n";
    Progress bar("dagger", dc.rounds, g.quiet);
    DAggerResult r = dagger(*env, expert, initial, dc, [&](const DAggerRound& x) {
        fmt::print("{:>5} {:>6.3f} {:>10} {:>12} {:>8.1f}% [{:5.1f}%, {:5.1f}%] {:>12.1f}\n", x.round, x.beta, x.new_labels,
                   x.total_labels, 100 * x.eval.success_rate, 100 * x.eval.wilson_lo, 100 * x.eval.wilson_hi,
                   x.eval.mean_return);
        std::fflush(stdout);
        csv += fmt::format("{},{},{},{},{},{},{},{},{}\n", x.round, x.beta, x.new_labels, x.total_labels,
                           x.eval.success_rate, x.eval.wilson_lo, x.eval.wilson_hi, x.eval.mean_return, x.eval.std_return);
        bar.update(x.round);
    });
    bar.finish();
    save_policy(a.out + "/policy.safetensors", r.policy);
    save_npz(a.out + "/data.npz", r.data);
    write_file_atomic(a.out + "/rounds.csv", csv);
    if (!g.quiet) fmt::print("wrote {0}/policy.safetensors, {0}/data.npz, {0}/rounds.csv\n", a.out);
    return 0;
}

int cmd_predict(const PredictArgs& a, const Globals&) {
    if (!a.env.empty()) find_env(a.env);
    const std::vector<float> obs = parse_floats("--obs", a.obs);  // every flag parses before any file is read
    Policy p = load_policy(a.policy);
    if (!a.env.empty()) env_for(a.env, p.env, p.cfg.obs_dim, p.cfg.act_dim, a.policy, "the policy was");
    if (static_cast<int>(obs.size()) != p.cfg.obs_dim)
        throw std::invalid_argument("--obs has " + std::to_string(obs.size()) + " values, the policy expects " +
                                    std::to_string(p.cfg.obs_dim));
    Mat x(1, p.cfg.obs_dim), out;
    for (int i = 0; i < p.cfg.obs_dim; ++i) x(0, i) = obs[i];
    if (!std::isnan(a.target_return) && !p.stateful())
        throw std::invalid_argument(std::string("--target-return: the policy's head ") + p.head().name +
                                    " does not condition on a return (only dt does)");
    PolicyScratch s;
    p.start(s, 1, a.target_return);  // a stateful head: the first step of an episode
    Rng rng(a.seed);
    if (a.sample) p.predict(x, out, s, rng);
    else p.predict(x, out, s);
    if (!out.allFinite()) throw std::runtime_error(a.policy + ": the policy returned a non-finite action for --obs " + a.obs);
    for (int h = 0; h < p.cfg.chunk; ++h) {
        for (int j = 0; j < p.cfg.act_dim; ++j) fmt::print("{}{:.9g}", j ? " " : "", out(0, h * p.cfg.act_dim + j));
        fmt::print("\n");
    }
    return 0;
}

int cmd_envs(const EnvsArgs& a, const Globals&) {
    auto floats = [](const std::vector<float>& v) {
        std::string s;
        for (float x : v) s += (s.empty() ? "" : ", ") + (std::isfinite(x) ? fmt::format("{:g}", x) : std::string(x > 0 ? "inf" : "-inf"));
        return s;
    };
    nlohmann::json list = nlohmann::json::array();
    for (const EnvEntry& e : env_table()) {
        const std::unique_ptr<Env> env = e.make();
        const EnvSpec& sp = env->spec();
        std::vector<std::string> experts;
        for (const ExpertEntry& x : e.experts) experts.push_back(x.name);
        if (a.json) {
            nlohmann::json j = {{"id", sp.id},
                                {"about", sp.about},
                                {"obs_dim", sp.obs_dim},
                                {"act_dim", sp.act_dim},
                                {"state_dim", sp.state_dim},
                                {"act_low", sp.act_low},
                                {"act_high", sp.act_high},
                                {"max_steps", sp.max_steps},
                                {"success", sp.success},
                                {"experts", experts},
                                {"identity", nlohmann::json::parse(sp.identity())}};
            list.push_back(j);
            continue;
        }
        fmt::print("{}\n  {}\n  obs_dim {}, act_dim {} in [{}] .. [{}], state_dim {}, horizon {} steps\n  success: {}\n",
                   sp.id, sp.about, sp.obs_dim, sp.act_dim, floats(sp.act_low), floats(sp.act_high), sp.state_dim,
                   sp.max_steps, sp.success);
        for (size_t i = 0; i < e.experts.size(); ++i)
            fmt::print("  expert {}{}: {}\n", e.experts[i].name, i == 0 ? " (default)" : "", e.experts[i].about);
    }
    if (a.json) fmt::print("{}\n", list.dump(2));
    return 0;
}

}  // namespace imitate::cli

// OpenMP threads that wait at a barrier spin for 200 µs, then sleep (engine/threads.hpp: spin_then_sleep, and the
// measurements beside it in README "Performance"): a training step's forks and barriers never pay a wake-up, and
// a core is not held for longer than that between regions. OMP_WAIT_POLICY or GOMP_SPINCOUNT override it.
int main(int argc, char** argv) {
    imitate::spin_then_sleep(argv);
    imitate::experiments::SweepSession mpi(argc, argv);  // MPI_Init/Finalize when mpirun or srun started us
    using namespace imitate::cli;
    CLI::App app{"imitate: imitation learning on any environment of its table (behaviour cloning, action chunking, "
                 "DAgger, noise injection, multimodal heads); `imitate envs` lists them"};
    app.option_defaults()->always_capture_default();  // --help shows every option's default
    app.add_flag_callback("--version", [] {  // runs before the subcommand check, so `imitate --version` alone works
        fmt::print("imitate {}\n", imitate_version());
        std::exit(0);
    }, "print the version and exit");
    app.require_subcommand(1);
    app.fallthrough();  // global flags may follow the subcommand
    Globals g;
    int threads = 0;
    app.add_option("--threads", threads, "threads for kernels and rollouts (default: the cores no other process is keeping busy, read from "
                   "/proc/loadavg at start)")->check(CLI::Range(1, 1024));
    app.add_flag("--quiet", g.quiet, "print only results");

    SeedArgs seed;
    auto* s = app.add_subcommand("seed", "the seed program: 100 PD demos, BC with H=1 and H=4, evaluation");
    s->add_option("--episodes", seed.episodes, "demonstration episodes")->check(CLI::Range(1, 1000000));
    s->add_option("--epochs", seed.epochs, "training epochs")->check(CLI::Range(1, 1000000));
    s->add_option("--eval-episodes", seed.eval_episodes, "evaluation episodes")->check(CLI::Range(1, 1000000));
    s->add_option("--seed", seed.seed, "seed of demos, init and shuffling");

    const std::string env_help = "environment (imitate envs lists them)";
    CollectArgs col;
    auto* c = app.add_subcommand("collect", "record expert demonstrations to an .npz");
    c->add_option("--env", col.env, env_help);
    c->add_option("--expert", col.expert, "expert of the environment (default: its first; imitate envs)");
    c->add_option("--episodes", col.episodes, "episodes of the expert (or give --mix)")->check(CLI::Range(1, 10000000));
    c->add_option("--mix", col.mix, "mixed quality: expert:N,noisy:N,random:N (noisy: the expert with --noise σ; "
                  "random: uniform actions; actions recorded as executed)");
    c->add_option("--seed", col.seed, "base seed");
    c->add_option("--noise", col.noise, "Gaussian noise σ on executed actions (DART; with --mix: the noisy part's)")->check(CLI::Range(0.0, 100.0));
    c->add_option("--out", col.out, "output .npz")->required();

    TrainArgs tr;
    auto* t = app.add_subcommand("train", "behaviour cloning from an .npz to a .safetensors policy");
    t->add_option("--data", tr.data, "demonstrations .npz")->required();
    t->add_option("--env", tr.env, "check the data is of this environment (default: the data's own)");
    t->add_option("--chunk", tr.chunk, "H: actions per prediction")->check(CLI::Range(1, 4096));
    t->add_option("--stride", tr.stride, "window stride: 1 (every start) or H (non-overlapping, the seed's)");
    t->add_option("--epochs", tr.epochs, "epochs")->check(CLI::Range(1, 1000000));
    t->add_option("--lr", tr.lr, "Adam learning rate")->check(CLI::Range(1e-12, 10.0));
    t->add_option("--batch", tr.batch, "minibatch size")->check(CLI::Range(1, 1 << 20));
    t->add_option("--hidden", tr.hidden, "hidden widths, e.g. 256,256");
    t->add_option("--activation", tr.activation, "relu | tanh");
    t->add_flag("--normalize", tr.normalize, "normalise observations and actions");
    t->add_option("--seed", tr.seed, "init and shuffling seed");
    t->add_option("--out", tr.out, "output .safetensors")->required();
    t->add_option("--head", tr.head, head_names() + " (policy head)");
    add_head_flags(*t, tr.head_cfg);
    tr.latent_opt = t->get_option("--latent");  // act's defaults differ from cvae's: given or not?
    tr.beta_opt = t->get_option("--beta");
    std::string ranged;  // the heads that use an action range
    for (const imitate::Head* h : imitate::head_table())
        if (h->uses_range) ranged += (ranged.empty() ? "" : ", ") + std::string(h->name);
    t->add_option("--action-range", tr.action_range, ranged + ": LO,HI action range (default: the data's)");
    t->add_option("--steps", tr.steps, "train exactly this many minibatch steps instead of --epochs (dt default: 2000)")
        ->check(CLI::Range(1L, 1L << 40));

    EvalArgs ev;
    auto* e = app.add_subcommand("eval", "evaluate a policy or an expert");
    auto* ep = e->add_option("--policy", ev.policy, "policy .safetensors");
    auto* ee = e->add_option("--expert", ev.expert, "evaluate this expert of --env instead of a policy");
    bool expert_default = false;
    auto* eflag = e->add_flag("--expert-default", expert_default, "evaluate the environment's default expert");
    ep->excludes(ee);
    ep->excludes(eflag);
    e->add_option("--env", ev.env, "environment (default: the policy's own, else pendulum)");
    e->add_option("--steps", ev.steps, "episode length T (0: the environment's horizon)")->check(CLI::Range(0, 1000000));
    e->add_option("--video", ev.video, "write one GIF per episode into this existing directory");
    e->add_option("--episodes", ev.episodes, "episodes")->check(CLI::Range(1, 10000000));
    e->add_option("--seed", ev.seed, "seed of the start states");
    e->add_option("--exec", ev.exec, "open | receding:K | ensemble[:M] (ACT's temporal ensembling, m 0.01 by default)");
    e->add_flag("--json", ev.json, "print JSON {aggregated, per_episode}");
    e->add_flag("--sample", ev.sample, "sample actions from the policy's head (seeded by --seed)");
    e->add_option("--target-return", ev.target_return, "dt: the return to ask for (default: the best episode return "
                  "in the training data, stored in the policy)");

    DaggerArgs dg;
    auto* d = app.add_subcommand("dagger", "DAgger with an expert labeller");
    d->add_option("--env", dg.env, env_help);
    d->add_option("--expert", dg.expert, "expert of the environment (default: its first)");
    d->add_option("--rounds", dg.rounds, "rounds")->check(CLI::Range(1, 1000));
    d->add_option("--episodes-per-round", dg.episodes_per_round, "learner episodes per round")->check(CLI::Range(1, 100000));
    d->add_option("--initial-episodes", dg.initial_episodes, "expert demo episodes before round 1 (0: round 1 is the expert)")
        ->check(CLI::Range(0, 100000));
    d->add_option("--beta", dg.beta,
                  "none (the seed's: beta 0, the learner trained on the initial demos drives from round 1; needs "
                  "--initial-episodes >= 1) | first | linear | exp:P");
    d->add_option("--epochs", dg.epochs, "training epochs per round")->check(CLI::Range(1, 100000));
    d->add_option("--chunk", dg.chunk, "H")->check(CLI::Range(1, 4096));
    d->add_option("--hidden", dg.hidden, "hidden widths");
    d->add_flag("--warm-start", dg.warm_start, "retrain from the previous policy instead of from scratch");
    d->add_option("--eval-episodes", dg.eval_episodes, "evaluation episodes per round")->check(CLI::Range(1, 100000));
    d->add_option("--seed", dg.seed, "seed");
    d->add_option("--out", dg.out, "output directory")->required();

    PredictArgs pr;
    auto* p = app.add_subcommand("predict", "print a policy's action chunk for one observation");
    p->add_option("--policy", pr.policy, "policy .safetensors")->required();
    p->add_option("--obs", pr.obs, "one observation: obs_dim comma-separated values")->required();
    p->add_option("--env", pr.env, "check the policy is of this environment");
    p->add_flag("--sample", pr.sample, "sample from the policy's head instead of its deterministic prediction");
    p->add_option("--seed", pr.seed, "seed of --sample");
    p->add_option("--target-return", pr.target_return, "dt: the return to ask for at the episode's first step "
                  "(default: the policy's)");

    EnvsArgs en;
    auto* n = app.add_subcommand("envs", "list the environments: sizes, experts, horizon, success rule");
    n->add_flag("--json", en.json, "a JSON list of objects (id, obs_dim, act_dim, experts, ...)");

    ExperimentArgs ex;
    auto* x = add_experiment_command(app, ex);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& err) {
        return app.exit(err);
    } catch (const CLI::CallForAllHelp& err) {
        return app.exit(err);
    } catch (const CLI::ParseError& err) {
        std::string msg = err.what();
        fmt::print(stderr, "imitate: error: {} (see imitate --help)\n", msg.empty() ? err.get_name() : msg);
        return 2;
    }
    try {
        imitate::set_threads(threads > 0 ? threads : imitate::free_cores());  // (engine/threads.hpp)
        if (e->parsed() && ev.policy.empty() && ev.expert.empty() && !expert_default)
            throw std::invalid_argument("eval needs --policy FILE, --expert NAME or --expert-default");
        if (s->parsed()) return cmd_seed(seed, g);
        if (c->parsed()) return cmd_collect(col, g);
        if (t->parsed()) {
            tr.batch_given = t->count("--batch") > 0;
            tr.length_given = t->count("--epochs") + t->count("--steps") > 0;
            return cmd_train(tr, g);
        }
        if (e->parsed()) return cmd_eval(ev, g);
        if (d->parsed()) return cmd_dagger(dg, g);
        if (p->parsed()) return cmd_predict(pr, g);
        if (x->parsed()) return cmd_experiment(ex, g);
        if (n->parsed()) return cmd_envs(en, g);
    } catch (const std::exception& err) {
        std::string msg = err.what();
        if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
        fmt::print(stderr, "imitate: error: {}\n", msg);
        return 1;
    }
    return 0;
}
