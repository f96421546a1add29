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
void imitate_policy_close(imitate_policy *p);
const char *imitate_version(void);

/* Details of the calls above:
   imitate_policy_open      accepts every checkpoint imitate's load_policy accepts: each head (mse, gmm,
                            tokens, cvae, diffusion, act) and files written by PyTorch (load_state_dict layout).
                            A missing, truncated or malformed file gives NULL and a one-line reason
                            naming the file.
   imitate_policy_*_dim     -1 (with the error set) for NULL or a closed policy.
   imitate_policy_predict   -1 for p, obs or out NULL, batch < 1, a closed policy, or a failure inside
                            the policy; out is then unspecified.
   imitate_policy_sample    as predict, drawing from an RNG seeded with seed: the same seed gives the
                            same output (and the same as `imitate predict --sample --seed <seed>`); the
                            MSE head has no distribution and returns its prediction.
   imitate_policy_close     NULL is a no-op. Using p after close is an error (-1) as long as no later
                            open has been given the same address; do not rely on it.
   imitate_version          "MAJOR.MINOR.PATCH" of the library that is loaded. */

#ifdef __cplusplus
}
#endif

#endif /* IMITATE_IMITATE_H */
