// Gradient check (see gradcheck.hpp). Everything is rebuilt on a fresh tape per evaluation, so the check
// exercises exactly the forward and backward code that training uses.
#include "autograd/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "autograd/ops.hpp"
#include "engine/rng.hpp"

namespace imitate {

GradcheckReport gradcheck(const GradFn& f, const std::vector<MatD>& inputs, uint64_t seed, double eps, double atol,
                          double rtol) {
    std::vector<ParamT<double>> ps(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        ps[i].name = "input" + std::to_string(i);
        ps[i].value = inputs[i];
        ps[i].grad = MatD::Zero(inputs[i].rows(), inputs[i].cols());
    }
    Tape<double> tape;
    auto build = [&]() {
        tape.reset();
        std::vector<Var<double>> vs;
        for (auto& p : ps) vs.push_back(tape.param(p));
        return f(vs);
    };
    // The cotangent: fixed random weights, so every output element matters and errors cannot cancel.
    Var<double> y = build();
    Rng rng(seed);
    MatD c(y.rows(), y.cols());
    for (Eigen::Index k = 0; k < c.size(); ++k) c.data()[k] = rng.normal();
    auto contract = [&](const MatD& v) { return (v.array() * c.array()).sum(); };

    Var<double> L = sum(mul(y, tape.constant(c)));
    tape.backward(L);

    GradcheckReport rep;
    for (size_t i = 0; i < ps.size(); ++i) {
        for (Eigen::Index k = 0; k < ps[i].value.size(); ++k) {
            double& x = ps[i].value.data()[k];
            const double x0 = x;
            x = x0 + eps;
            const double lp = contract(build().value());
            x = x0 - eps;
            const double lm = contract(build().value());
            x = x0;
            const double num = (lp - lm) / (2 * eps), ana = ps[i].grad.data()[k];
            const double err = std::abs(ana - num);
            rep.max_abs_err = std::max(rep.max_abs_err, err);
            if (!(err <= atol + rtol * std::abs(num)) && rep.ok) {  // also catches NaN
                rep.ok = false;
                std::ostringstream ss;
                ss << "input " << i << " element " << k << ": analytic " << ana << " vs numeric " << num;
                rep.message = ss.str();
            }
        }
    }
    return rep;
}

}  // namespace imitate
