// A consumer that runs a policy checkpoint the C++ way (load_policy, Policy::predict) and prints the chunk as
// `imitate predict` does: H lines of A values, %.9g. Usage: predict <policy.safetensors> <o1,o2,...>
// [<seed>: sample instead]. Built by tests/test_consumer.sh against the installed library (pkg-config
// imitate-io, CMake find_package) and as a Meson subproject user.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "algorithms/io/policy_checkpoint.hpp"

int main(int argc, char** argv) {
    using namespace imitate;
    if (argc < 3) {
        std::fprintf(stderr, "usage: predict <policy> <o1,o2,...> [seed]\n");
        return 2;
    }
    try {
        const Policy p = load_policy(argv[1]);
        std::vector<float> obs;
        for (const char* s = argv[2]; *s;) {
            char* end = nullptr;
            obs.push_back(std::strtof(s, &end));
            s = *end == ',' ? end + 1 : end;
        }
        if (static_cast<int>(obs.size()) != p.cfg.obs_dim) throw std::invalid_argument("wrong observation size");
        Mat x(1, p.cfg.obs_dim), out;
        for (int i = 0; i < p.cfg.obs_dim; ++i) x(0, i) = obs[i];
        PolicyScratch s;
        if (argc > 3) {
            Rng rng(std::strtoull(argv[3], nullptr, 10));
            p.predict(x, out, s, rng);
        } else {
            p.predict(x, out, s);
        }
        for (int h = 0; h < p.cfg.chunk; ++h) {
            for (int a = 0; a < p.cfg.act_dim; ++a)
                std::printf("%s%.9g", a ? " " : "", static_cast<double>(out(0, h * p.cfg.act_dim + a)));
            std::printf("\n");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "predict: %s\n", e.what());
        return 1;
    }
    return 0;
}
