// Central-difference gradient check in double precision: the test every differentiable op must pass.
// A vector-valued function is contracted to a scalar with a fixed random cotangent c, L = Σ f(x)∘c, and
// each input element's analytic dL/dx is compared with (L(x+ε) − L(x−ε)) / 2ε.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/tape.hpp"

namespace imitate {

struct GradcheckReport {
    bool ok = true;
    double max_abs_err = 0.0;  // largest |analytic − numeric| seen
    std::string message;       // the first failing element: input, index, analytic, numeric
};

// f maps the inputs (as trainable leaves on a double tape) to any-shaped output.
using GradFn = std::function<Var<double>(const std::vector<Var<double>>& inputs)>;

// Checks |analytic − numeric| <= atol + rtol·|numeric| for every element of every input.
GradcheckReport gradcheck(const GradFn& f, const std::vector<MatD>& inputs, uint64_t seed = 1, double eps = 1e-6,
                          double atol = 1e-5, double rtol = 1e-3);

}  // namespace imitate
