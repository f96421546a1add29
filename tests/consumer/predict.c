/* The same as predict.cpp through the C interface (imitate.h), in C99: prints a policy's chunk as
   `imitate predict` does. Usage: predict_c <policy.safetensors> <o1,o2,...> [<seed>: sample instead].
   Also checks that bad calls fail cleanly. Built by tests/test_consumer.sh against the installed library. */
#include <imitate/imitate.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: predict_c <policy> <o1,o2,...> [seed]\n");
        return 2;
    }
    if (imitate_policy_open("/nonexistent/policy.safetensors") != NULL || imitate_last_error()[0] == '\0') {
        fprintf(stderr, "predict_c: a missing file must give NULL and a reason\n");
        return 1;
    }
    imitate_policy *p = imitate_policy_open(argv[1]);
    if (!p) {
        fprintf(stderr, "predict_c: %s\n", imitate_last_error());
        return 1;
    }
    const int S = imitate_policy_obs_dim(p), A = imitate_policy_act_dim(p), H = imitate_policy_chunk(p);
    float *obs = calloc((size_t)S, sizeof(float)), *out = calloc((size_t)(H * A), sizeof(float));
    int n = 0;
    for (const char *s = argv[2]; *s && n < S;) {
        char *end = NULL;
        obs[n++] = strtof(s, &end);
        s = *end == ',' ? end + 1 : end;
    }
    int rc = n == S ? 0 : -1;
    if (rc == 0 && imitate_policy_predict(p, obs, 0, out) != -1) rc = -1; /* batch 0 is refused */
    if (rc == 0 && imitate_policy_predict(p, NULL, 1, out) != -1) rc = -1;
    if (rc == 0)
        rc = argc > 3 ? imitate_policy_sample(p, obs, 1, strtoull(argv[3], NULL, 10), out)
                      : imitate_policy_predict(p, obs, 1, out);
    if (rc != 0) {
        fprintf(stderr, "predict_c: %s\n", imitate_last_error());
    } else {
        for (int h = 0; h < H; ++h) {
            for (int a = 0; a < A; ++a) printf("%s%.9g", a ? " " : "", (double)out[h * A + a]);
            printf("\n");
        }
    }
    imitate_policy_close(p);
    free(obs);
    free(out);
    return rc == 0 ? 0 : 1;
}
