// Training step and batch-1 inference of the reference MLP (3→h→ReLU→h→ReLU→out, MSE + Adam), the
// work PyTorch's anchors measure (../shared/anchors/torch_step_bench.py, libtorch_step_bench.cpp).
// Validated first (the loss must fall), then timed; counters: steps/s (items_per_second) and GFLOP/s.
// scripts/bench_vs_torch.sh runs this interleaved with the PyTorch peers and prints the ratios.
#include "bench_main.hpp"

#include <cstring>
#include <optional>
#include <stdexcept>

#include "autograd/autograd.hpp"
#include "engine/engine.hpp"

using namespace imitate;

namespace {

// FLOPs of one training step: forward 2·B·(I·h + h·h + h·O), backward twice that (dx and dW), minus
// the first layer's dx (its input needs no gradient). Matches ../shared/anchors/flops.py to within the
// elementwise terms (< 2%).
double step_flops(int B, int h, int O) {
    double f = 2.0 * B * (3.0 * h + double(h) * h + double(h) * O);
    return 3 * f - 2.0 * B * 3.0 * h;
}

// The step imitate train runs (algorithms/bc.cpp): 256 rows or more as parts on both cores
// (autograd/data_parallel.hpp), smaller batches on one tape.
struct Trainer {
    Rng rng{0};
    Mat x, y;
    MLP net;
    Adam opt;
    Tape<float> tape;
    std::optional<DataParallelStep> parted;
    std::vector<Mat> xs, ys;  // the parts' rows
    Trainer(int B, int h, int O) : x(B, 3), y(B, O), net({3, h, h, O}, Activation::ReLU, rng), opt(net.parameters()) {
        for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
        for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(rng.normal());
        const int P = batch_parts(B);
        if (P == 1) return;
        parted.emplace(net.parameters(), P);
        for (int p = 0; p < P; ++p) {
            const Eigen::Index r0 = part_begin(B, P, p), n = part_begin(B, P, p + 1) - r0;
            xs.push_back(x.middleRows(r0, n)), ys.push_back(y.middleRows(r0, n));
        }
    }
    float step() {
        if (parted) {
            return parted->run([this](Tape<float>& t, int p) {
                const float share = float(xs[p].rows()) / float(x.rows());  // the part's fraction of the mean
                return scale(mse(net.forward(t.input(xs[p])), t.input(ys[p])), share);
            }, &opt);  // the update runs inside the parts' region
        }
        tape.reset();
        Var<float> loss = mse(net.forward(tape.input(x)), tape.input(y));
        tape.backward(loss);
        const float l = loss.value()(0, 0);
        update_step(opt, 0.0f, l);
        return l;
    }
};
// args: threads, hidden, batch, out
void BM_TrainStep_imitate(benchmark::State& st) {
    const int threads = static_cast<int>(st.range(0)), h = static_cast<int>(st.range(1)), B = static_cast<int>(st.range(2)),
              O = static_cast<int>(st.range(3));
    set_threads(threads);
    Trainer t(B, h, O);
    // validate: 30 steps must lower the loss on this fixed batch
    float first = t.step(), last = first;
    for (int i = 0; i < 29; ++i) last = t.step();
    if (!(last < first)) {
        st.SkipWithError("loss did not fall");
        return;
    }
    for (auto _ : st) benchmark::DoNotOptimize(t.step());
    st.SetItemsProcessed(st.iterations());
    st.counters["GFLOP/s"] = benchmark::Counter(step_flops(B, h, O) * st.iterations() / 1e9, benchmark::Counter::kIsRate);
}

// The batch-1 query both inference benchmarks time: the reference MLP 3→h→h→1 and one pendulum observation.
struct InferCase {
    Rng rng{0};
    MLP net;
    Mat obs{1, 3};
    explicit InferCase(int h) : net({3, h, h, 1}, Activation::ReLU, rng) { obs << 0.5f, -0.8660254f, 1.5f; }
    void time(benchmark::State& st, MLPScratch& s) const {
        Mat out;
        for (auto _ : st) {
            net.infer(obs, out, s);
            benchmark::DoNotOptimize(out.data());
        }
        st.SetItemsProcessed(st.iterations());
    }
};

// args: threads, hidden
void BM_InferB1_imitate(benchmark::State& st) {
    set_threads(static_cast<int>(st.range(0)));
    InferCase c(static_cast<int>(st.range(1)));
    MLPScratch s;
    Mat out;
    // validate against the tape's forward
    c.net.infer(c.obs, out, s);
    Tape<float> tape;
    if (std::abs(c.net.forward(tape.input(c.obs)).value()(0, 0) - out(0, 0)) > 1e-5f) {
        st.SkipWithError("infer != forward");
        return;
    }
    c.time(st, s);
}

// args: threads, hidden. The same MLP deployed: its weights packed for small batches (autograd/nn.hpp
// PackedMLP, what DeployedPolicy and the C interface run), checked to give MLP::infer's bytes.
void BM_InferB1_deployed(benchmark::State& st) {
    set_threads(static_cast<int>(st.range(0)));
    const InferCase c(static_cast<int>(st.range(1)));
    MLPScratch s;
    Mat out, plain;
    c.net.infer(c.obs, plain, s);
    const PackedMLP packed(c.net);
    s.packed = &packed;
    c.net.infer(c.obs, out, s);
    if (out.size() != plain.size() || std::memcmp(out.data(), plain.data(), sizeof(float) * out.size()) != 0) {
        st.SkipWithError("packed infer != infer");
        return;
    }
    c.time(st, s);
    st.SetLabel(packed.layers[1].data ? "packed" : "not packed at this level");
}

}  // namespace

BENCHMARK(BM_TrainStep_imitate)->ArgNames({"threads", "h", "b", "out"})
    ->Args({1, 256, 256, 1})->Args({2, 256, 256, 1})->Args({1, 256, 256, 4})->Args({2, 256, 256, 4})
    ->Args({1, 64, 32, 1})->Args({2, 64, 32, 1})->Args({1, 1024, 1024, 1})->Args({2, 1024, 1024, 1})
    ->UseRealTime()->MinTime(0.5);
BENCHMARK(BM_InferB1_imitate)->ArgNames({"threads", "h"})->Args({1, 256})->Args({2, 256})->UseRealTime()->MinTime(0.3);
BENCHMARK(BM_InferB1_deployed)->ArgNames({"threads", "h"})->Args({1, 256})->Args({2, 256})->UseRealTime()->MinTime(0.3);

IMITATE_BENCHMARK_MAIN()
