// Dense storage for the whole project: row-major matrices on Eigen.
// Mat is the float32 workhorse; MatT<double> runs the same ops in double for gradient checks.
#pragma once
#include <Eigen/Core>
#include <string>

namespace imitate {

template <class T>
using MatT = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Mat = MatT<float>;
using MatD = MatT<double>;

// "(rows,cols)", for error messages that name shapes.
template <class M>
std::string shape_str(const M& m) {
    return "(" + std::to_string(m.rows()) + "," + std::to_string(m.cols()) + ")";
}

}  // namespace imitate
