/* The C interface of imitate: load a policy checkpoint and run it, from C or any language with a C FFI
   (python/imitate.py uses it through ctypes). Installed as include/imitate/imitate.h; link libimitate-io
   (pkg-config imitate-io, CMake imitate::imitate). No C++ types cross this boundary and no call throws.

   Thread safety: every function may be called from any thread. A policy holds scratch buffers, so one
   policy must not be used by two threads at the same time: open one policy per thread (they share
   nothing). Opening, closing and using different policies concurrently is safe. imitate_last_error() is
   per thread.

   Allocation: imitate_policy_predict() allocates nothing once it has run with the same batch size on the
   same policy (each batch size keeps its own buffers until close); the first call with a new size does. */
#ifndef IMITATE_IMITATE_H
#define IMITATE_IMITATE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct imitate_policy imitate_policy;
imitate_policy *imitate_policy_open(const char *path);       /* NULL on failure: see imitate_last_error() */
const char *imitate_last_error(void);                        /* this thread's last error, "" if none */
int imitate_policy_obs_dim(const imitate_policy *p);
int imitate_policy_act_dim(const imitate_policy *p);
int imitate_policy_chunk(const imitate_policy *p);           /* H */
/* obs: batch x obs_dim floats, row-major; out: batch x (chunk * act_dim). Deterministic prediction
   (the same as `imitate predict`). Returns 0, or -1 with imitate_last_error() set (bad sizes, NULL). */
int imitate_policy_predict(imitate_policy *p, const float *obs, int batch, float *out);
/* The head's sample (GMM / tokens / CVAE / diffusion / ACT), reproducible from seed. */
int imitate_policy_sample(imitate_policy *p, const float *obs, int batch, unsigned long long seed, float *out);
/* Stateful policies (head dt, the Decision Transformer): the action depends on the episode so far and on
   the return still to get. Begin `batch` episodes with imitate_policy_reset, then alternate
   imitate_policy_predict (same batch) and imitate_policy_reward with the batch rewards that action earned. */
int imitate_policy_stateful(const imitate_policy *p);        /* 1 for dt, 0 otherwise, -1 for NULL/closed */
int imitate_policy_reset(imitate_policy *p, int batch, double target_return);
int imitate_policy_reward(imitate_policy *p, const double *rewards, int batch);
void imitate_policy_close(imitate_policy *p);
const char *imitate_version(void);

/* Details of the calls above:
   imitate_policy_open      accepts every checkpoint imitate's load_policy accepts: each head (mse, gmm,
                            tokens, cvae, diffusion, dt, act) and files written by PyTorch (load_state_dict layout).
                            A missing, truncated or malformed file gives NULL and a one-line reason
                            naming the file.
   imitate_policy_*_dim     -1 (with the error set) for NULL or a closed policy.
   imitate_policy_predict   -1 for p, obs or out NULL, batch < 1, a closed policy, or a failure inside
                            the policy; out is then unspecified.
   imitate_policy_sample    as predict, drawing from an RNG seeded with seed: the same seed gives the
                            same output (and the same as `imitate predict --sample --seed <seed>`); the
                            MSE head has no distribution and returns its prediction.
   imitate_policy_reset     begins `batch` new episodes (any earlier ones of that batch size are dropped),
                            asking for target_return; NAN asks for the policy's default (the best episode
                            return in its training data). Each batch size keeps its own episodes. 0 and
                            nothing done for a stateless head; -1 for NULL, batch < 1 or an infinite target.
                            Without a reset, the first predict of a batch size begins at the default.
   imitate_policy_reward    rewards: batch doubles, the rewards of the step the last predict of that batch
                            size chose; they are subtracted from the return still to get. -1 for NULL, a
                            non-finite reward, or a reward without a predict before it (and a second predict
                            without a reward between is -1 too). 0 and nothing done for a stateless head.
   imitate_policy_close     NULL is a no-op. Using p after close is an error (-1) as long as no later
                            open has been given the same address; do not rely on it.
   imitate_version          "MAJOR.MINOR.PATCH" of the library that is loaded. */

#ifdef __cplusplus
}
#endif

#endif /* IMITATE_IMITATE_H */
