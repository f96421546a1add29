// autograd/: the tape, the differentiable ops, losses, layers, Adam, and the gradient checker.
#pragma once
#include "autograd/data_parallel.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/losses.hpp"
#include "autograd/nn.hpp"
#include "autograd/ops.hpp"
#include "autograd/ops_transformer.hpp"
#include "autograd/optim.hpp"
#include "autograd/tape.hpp"
