// algorithms/heads/: the policy heads, one row each in the table of head.hpp — MSE (the mean), a Gaussian
// mixture, action tokens, a conditional VAE, diffusion, the Decision Transformer and ACT (a CVAE of
// transformers). Each header holds its head's own functions (loss, decoding, sampling), tested and benchmarked
// on their own.
#pragma once
#include "algorithms/heads/act.hpp"
#include "algorithms/heads/cvae.hpp"
#include "algorithms/heads/diffusion.hpp"
#include "algorithms/heads/dt.hpp"
#include "algorithms/heads/gmm.hpp"
#include "algorithms/heads/head.hpp"
#include "algorithms/heads/tokens.hpp"
