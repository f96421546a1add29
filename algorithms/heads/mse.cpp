// The MSE head (the seed's BCPolicy): the net regresses the chunk itself, S -> hidden -> D, trained with the
// masked MSE. It has no settings and no distribution: sampling is its deterministic prediction.
#include "algorithms/heads/head.hpp"
#include "autograd/losses.hpp"

namespace imitate {

static void mse_settings(HeadConfig&, HeadSettings&) {}

static HeadWidths mse_widths(const HeadConfig&, long S, long D) {
    return {S, D, "obs_dim", "chunk", "act_dim·chunk = " + std::to_string(D)};
}

static Var<float> mse_head_loss(const HeadConfig&, const ActionRange&, Tape<float>& tape, MLP& net, MLP*, const Mat& obs,
                                const Mat& target, const Mat& mask, Rng&) {
    return mse(net.forward(tape.input(obs)), tape.input(target), tape.input(mask));
}

static void mse_predict(const HeadConfig&, const ActionRange&, const MLP& net, const Mat& obs, Mat& act, MLPScratch& ms,
                        HeadScratch&, Rng*) {
    net.infer(obs, act, ms);
}

const Head& mse_head() {
    static const Head row{HeadKind::MSE, "mse", false, mse_settings, mse_widths, nullptr, mse_head_loss, mse_predict};
    return row;
}

}  // namespace imitate
