// `imitate experiment NAME --out DIR [--seeds N] [--env ID] [--quick]`: runs one of the seed's four exercises (or
// all of them) from algorithms/experiments/, prints each table, and writes CSVs, gnuplot scripts, PNGs and
// markdown into DIR (created if missing); `all` also writes DIR/REPORT.md. --env picks the environment (each
// experiment has its default: pendulum, point_mass for multimodal).
#include <fmt/core.h>

#include <filesystem>
#include <stdexcept>

#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "commands.hpp"
#include "engine/threads.hpp"

namespace imitate::cli {

static CLI::Option* seeds_option = nullptr;  // to tell "--seeds 5" from the default under --quick

CLI::App* add_experiment_command(CLI::App& app, ExperimentArgs& a) {
    auto* x = app.add_subcommand("experiment", "run one of the seed's exercises (compounding, chunking, dagger, multimodal, demos, noise, all)");
    x->add_option("name", a.name, "compounding | chunking | dagger | multimodal | demos | noise | all")->required();
    x->add_option("--out", a.out, "output directory (created if missing)")->required();
    seeds_option = x->add_option("--seeds", a.seeds, "training seeds per configuration (default 5; 2 with --quick)")
                       ->check(CLI::Range(1, 1000));
    x->add_option("--env", a.env,
                  "environment (imitate envs): default pendulum (compounding, chunking, dagger, demos, noise) and point_mass "
                  "(multimodal); any env with an expert");
    x->add_flag("--quick", a.quick, "small budgets (seconds), for tests; not for conclusions");
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
        for (const auto& n : ex::experiment_names()) known |= n == a.name;
        if (!known)
            throw std::invalid_argument("experiment '" + a.name + "' is not one of compounding, chunking, dagger, multimodal, demos, noise, all");
        names = {a.name};
    }
    std::filesystem::create_directories(a.out);

    // 2. options: --quick without --seeds runs 2 seeds
    ex::ExperimentOptions opt;
    opt.out_dir = a.out;
    opt.quick = a.quick;
    opt.env = a.env;
    opt.seeds = a.quick && seeds_option && seeds_option->count() == 0 ? 2 : a.seeds;
    const ex::Timer clock;
    if (!g.quiet)
        opt.log = [&clock](const std::string& msg) {
            fmt::print(stderr, "[{:6.1f} s] {}\n", clock.wall(), msg);
            std::fflush(stderr);
        };
    const std::string flags = " --out " + a.out + " --seeds " + std::to_string(opt.seeds) +
                              (opt.env.empty() ? "" : " --env " + opt.env) + (opt.quick ? " --quick" : "");

    // 3. run, printing each table as it completes
    std::vector<ex::ExperimentResult> results;
    for (const auto& name : names) {
        ex::ExperimentResult r = ex::run_experiment(name, opt);
        fmt::print("\n== {} ({:.1f} s wall, {:.1f} s CPU; `imitate experiment {}{}`)\n{}", r.name, r.wall_seconds,
                   r.cpu_seconds, name, flags, r.table);
        std::fflush(stdout);
        results.push_back(std::move(r));
    }

    // 4. the report
    if (a.name == "all") {
        const std::string path = ex::write_report(a.out, results, "imitate experiment all" + flags, get_threads());
        double wall = 0, cpu = 0;
        for (const auto& r : results) wall += r.wall_seconds, cpu += r.cpu_seconds;
        fmt::print("\nTotal {:.1f} s wall, {:.1f} s CPU on {} thread(s). Report: {}\n", wall, cpu, get_threads(), path);
    } else {
        fmt::print("\nReport section: {}\n", ex::join_path(a.out, names[0] + ".md"));
    }
    return 0;
}

}  // namespace imitate::cli
