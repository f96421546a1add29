// Temporary main job until the CLI lands: fit y = sin(3x) with an MLP and print the loss falling.
#include <cstdio>

#include "autograd/autograd.hpp"
#include "engine/engine.hpp"

using namespace imitate;

int main() {
    Rng rng(0);
    const int B = 256;
    Mat x(B, 1), y(B, 1);
    for (int i = 0; i < B; ++i) {
        x(i, 0) = static_cast<float>(rng.uniform(-1, 1));
        y(i, 0) = std::sin(3 * x(i, 0));
    }
    MLP net({1, 64, 64, 1}, Activation::Tanh, rng);
    Adam opt(net.parameters(), {.lr = 3e-3f});
    Tape<float> tape;
    for (int step = 0; step <= 1000; ++step) {
        tape.reset();
        Var<float> loss = mse(net.forward(tape.input(x)), tape.input(y));
        if (step % 100 == 0) std::printf("step %4d  loss %.6f\n", step, loss.value()(0, 0));
        tape.backward(loss);
        opt.guarded_step(loss.value()(0, 0));
        opt.zero_grad();
    }
}
