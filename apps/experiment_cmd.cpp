// `imitate experiment NAME --out DIR [--seeds N] [--env ID] [--quick] [--resume]`: runs one of the experiments
// from algorithms/experiments/ (or all of them: every one but architectures, which runs only by name), prints each
// table, and writes CSVs, gnuplot scripts, PNGs and markdown into DIR (created if missing); `all` and architectures also write DIR/REPORT.md. --env picks the environment (each
// experiment has its default: pendulum, point_mass for multimodal). Each (configuration, seed) job's result is
// written to DIR/jobs/NAME/ as it finishes; --resume keeps those files and runs only the missing jobs. Under
// mpirun (or srun) the jobs are split over the ranks and rank 0 prints and writes the report.
#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/experiments/sweep.hpp"
#include "commands.hpp"
#include "engine/threads.hpp"
#include "envs/registry.hpp"

namespace imitate::cli {

static CLI::Option* seeds_option = nullptr;  // to tell "--seeds 5" from the default under --quick

CLI::App* add_experiment_command(CLI::App& app, ExperimentArgs& a) {
    std::string names;
    for (const std::string& n : experiments::experiment_names()) names += n + " | ";
    for (const std::string& n : experiments::extra_experiment_names()) names += n + " | ";
    auto* x = app.add_subcommand("experiment", "run one of the experiments (" + names + "all); under mpirun the jobs "
                                 "are split over the ranks");
    x->add_option("name", a.name, names + "all")->required();
    x->add_option("--out", a.out, "output directory (created if missing)")->required();
    seeds_option = x->add_option("--seeds", a.seeds, "training seeds per configuration (default 10; 2 with --quick)")
                       ->check(CLI::Range(1, 1000));
    x->add_option("--env", a.env,
                  "environment (imitate envs): default pendulum (compounding, chunking, dagger, horizon, demos, noise, "
                  "returns, architectures) and point_mass (multimodal); any env with an expert");
    x->add_flag("--quick", a.quick, "small budgets (seconds), for tests; not for conclusions");
    x->add_flag("--resume", a.resume, "keep the finished jobs in OUT/jobs/ (after a kill or a lost rank), run only the missing ones");
    return x;
}

int cmd_experiment(const ExperimentArgs& a, const Globals& g) {
    namespace ex = imitate::experiments;
    // 1. which experiments; the output directory
    std::vector<std::string> names;
    if (a.name == "all") {
        names = ex::experiment_names();
    } else {
        bool known = false;
        std::string all;
        for (const auto& n : ex::experiment_names()) known |= n == a.name, all += n + ", ";
        for (const auto& n : ex::extra_experiment_names()) known |= n == a.name, all += n + ", ";
        if (!known) throw std::invalid_argument("experiment '" + a.name + "' is not one of " + all + "all");
        names = {a.name};
    }
    if (!a.env.empty()) find_env(a.env);  // an unknown --env fails before the output directory is made
    std::filesystem::create_directories(a.out);

    // 2. options: --quick without --seeds runs 2 seeds
    ex::ExperimentOptions opt;
    opt.out_dir = a.out;
    opt.quick = a.quick;
    opt.env = a.env;
    opt.resume = a.resume;
    opt.seeds = a.quick && seeds_option && seeds_option->count() == 0 ? 2 : a.seeds;
    const ex::Timer clock;
    if (!g.quiet)
        opt.log = [&clock](const std::string& msg) {
            fmt::print(stderr, "[{:6.1f} s] {}\n", clock.wall(), msg);
            std::fflush(stderr);
        };
    const std::string flags = " --out " + a.out + " --seeds " + std::to_string(opt.seeds) +
                              (opt.env.empty() ? "" : " --env " + opt.env) + (opt.quick ? " --quick" : "") +
                              (opt.resume ? " --resume" : "");

    // 3. run, printing each table as it completes (under MPI only the report writer prints and writes)
    const bool writer = ex::is_report_writer();
    std::vector<ex::ExperimentResult> results;
    for (const auto& name : names) {
        ex::ExperimentResult r = ex::run_experiment(name, opt);
        if (!writer) continue;
        fmt::print("\n== {} ({:.1f} s wall, {:.1f} s CPU; `imitate experiment {}{}`)\n{}", r.name, r.wall_seconds,
                   r.cpu_seconds, name, flags, r.table);
        std::fflush(stdout);
        results.push_back(std::move(r));
    }

    // 4. the report
    if (!writer) return 0;
    // `all`, and an experiment `all` does not run (architectures), write DIR/REPORT.md; the others their section
    const auto& extra = ex::extra_experiment_names();
    if (a.name == "all" || std::find(extra.begin(), extra.end(), a.name) != extra.end()) {
        const std::string path = ex::write_report(a.out, results, "imitate experiment " + a.name + flags, get_threads());
        double wall = 0, cpu = 0;
        for (const auto& r : results) wall += r.wall_seconds, cpu += r.cpu_seconds;
        fmt::print("\nTotal {:.1f} s wall, {:.1f} s CPU on {} thread(s). Report: {}\n", wall, cpu, get_threads(), path);
    } else {
        fmt::print("\nReport section: {}\n", ex::join_path(a.out, names[0] + ".md"));
    }
    return 0;
}

}  // namespace imitate::cli
