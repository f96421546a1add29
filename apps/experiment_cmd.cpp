// `imitate experiment NAME --out DIR`: placeholder wiring until the experiments land.
#include <stdexcept>

#include "commands.hpp"

namespace imitate::cli {

CLI::App* add_experiment_command(CLI::App& app, ExperimentArgs& a) {
    auto* x = app.add_subcommand("experiment", "run one of the seed's exercises (compounding, chunking, dagger, multimodal, all)");
    x->add_option("name", a.name, "compounding | chunking | dagger | multimodal | all")->required();
    x->add_option("--out", a.out, "output directory")->required();
    x->add_option("--seeds", a.seeds, "training seeds (>= 5 for the report)")->check(CLI::Range(1, 1000));
    x->add_flag("--quick", a.quick, "small budgets, for tests");
    return x;
}

int cmd_experiment(const ExperimentArgs& a, const Globals&) {
    throw std::invalid_argument("experiment '" + a.name + "' is not available yet");
}

}  // namespace imitate::cli
