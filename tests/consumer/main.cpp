// A consumer of imitate: fit y = x0 − 2·x1 with a tiny MLP for a few Adam steps and print OK when the loss
// fell. Built by tests/test_consumer.sh both as a Meson subproject user and against the installed library
// via pkg-config, with and without -fopenmp.
#include <cstdio>

#include "autograd/autograd.hpp"
#include "engine/engine.hpp"

int main() {
    using namespace imitate;
    Rng rng(1);
    const int B = 64;
    Mat x(B, 2), y(B, 1);
    for (int i = 0; i < B; ++i) {
        x(i, 0) = static_cast<float>(rng.uniform(-1, 1));
        x(i, 1) = static_cast<float>(rng.uniform(-1, 1));
        y(i, 0) = x(i, 0) - 2 * x(i, 1);
    }
    MLP net({2, 16, 1}, Activation::Tanh, rng);
    Adam opt(net.parameters(), {.lr = 1e-2f});
    Tape<float> tape;
    float first = 0, last = 0;
    for (int step = 0; step < 50; ++step) {
        tape.reset();
        Var<float> loss = mse(net.forward(tape.input(x)), tape.input(y));
        (step == 0 ? first : last) = loss.value()(0, 0);
        tape.backward(loss);
        opt.guarded_step(loss.value()(0, 0));
        opt.zero_grad();
    }
    Mat out;  // allocated here, resized inside the library: exercises the shared Eigen ABI
    MLPScratch scratch;
    net.infer(x, out, scratch);
    std::printf("loss %.4f -> %.4f, threads %d\n", first, last, get_threads());
    if (!(last < 0.5f * first) || out.rows() != B) {
        std::printf("FAIL: the loss did not fall\n");
        return 1;
    }
    std::printf("OK\n");
    return 0;
}
