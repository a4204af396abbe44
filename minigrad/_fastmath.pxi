# Vectorisable float32 math shared by the kernel modules (included by _nn_kernels.pyx,
# _rnn_kernels.pyx and _layer_kernels.pyx; each gets its own static copy).
#
# libm's expf, tanhf and erff are one call per element, ~10x slower than SIMD. mg_expf is
# written so that a loop calling it vectorises: exp(z) = 2^k exp(r), k = round(z / ln 2) by
# the 1.5 * 2^23 rounding trick, r = z - k ln 2 in two parts (ln 2 = 0.693359375 -
# 2.12194440e-4, the first exact times k), exp(r) by its degree-7 Taylor polynomial
# (|r| <= ln2 / 2: error < 1e-8, below float32 rounding) and 2^k written into the exponent
# bits. Below -87 the result is 0, above 88.5 inf, NaN stays NaN. Those lanes compute exp(0)
# and throw it away: clamping them to -87.5 instead made a subnormal product, which costs a
# microcode assist per element (a causal or padding mask of -inf made softmax ~8x slower,
# measured on the attention scores). GCC only if-converts the selects (and so vectorises)
# without -ftrapping-math (MG_NO_TRAPS); nothing here relies on FP traps. A function with an
# optimize attribute is only inlined into functions with the same one, so every caller of
# mg_expf is MG_NO_TRAPS too. The rounding trick must not be reassociated, so these loops do
# not get -fassociative-math; the sums (MG_REASSOCIATE) do, and are taken in vector lanes.
#
# MG_CLONES compiles a row loop for AVX-512 and AVX2+FMA CPUs as well (x86-64-v4 and v3 with
# GCC 12 and later), chosen when the module loads (GCC's function multi-versioning, an ifunc:
# the build itself stays portable).

cdef extern from *:
    """
    #ifndef MG_FASTMATH_H
    #define MG_FASTMATH_H
    #include <math.h>
    #if defined(__GNUC__) && !defined(__clang__)
    #define MG_NO_TRAPS __attribute__((optimize("no-trapping-math")))
    #define MG_REASSOCIATE __attribute__((optimize("no-trapping-math", "no-signed-zeros", \
                                                   "associative-math")))
    #else
    #define MG_NO_TRAPS
    #define MG_REASSOCIATE
    #endif
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
        && __GNUC__ >= 12
    /* the x86-64 levels: v3 is AVX2 with FMA (every AVX2 CPU has it), which "avx2" alone
       leaves out: GELU's kernel ran 1.5x slower without it (measured) */
    #define MG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
    #elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define MG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
    #else
    #define MG_CLONES
    #endif

    MG_NO_TRAPS static inline float mg_expf(float z) {
        float zc = z > -87.0f ? z : 0.0f;     /* not clamped to -87: see above */
        zc = zc < 88.5f ? zc : 0.0f;
        float k = (zc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
        float r = (zc - k * 0.693359375f) + k * 2.12194440e-4f;
        float p = 1.0f / 5040.0f;
        p = p * r + 1.0f / 720.0f;
        p = p * r + 1.0f / 120.0f;
        p = p * r + 1.0f / 24.0f;
        p = p * r + 1.0f / 6.0f;
        p = p * r + 0.5f;
        p = p * r + 1.0f;
        p = p * r + 1.0f;
        union { int i; float f; } scale;
        scale.i = ((int)k + 127) << 23;
        float e = z < -87.0f ? 0.0f : (z > 88.5f ? INFINITY : p * scale.f);
        return z == z ? e : z;
    }

    /* out[j] = exp(x[j] - m) for a row whose max is m (out may be x) */
    MG_CLONES MG_NO_TRAPS static void mg_exp_shifted_f32(const float* x, float m, float* out,
                                                         Py_ssize_t n) {
        for (Py_ssize_t j = 0; j < n; j++)
            out[j] = mg_expf(x[j] - m);
    }

    MG_CLONES MG_REASSOCIATE static float mg_sum_f32(const float* x, Py_ssize_t n) {
        float s = 0.0f;
        for (Py_ssize_t j = 0; j < n; j++)
            s += x[j];
        return s;
    }

    /* sum(x * y) */
    MG_CLONES MG_REASSOCIATE static float mg_dot_f32(const float* x, const float* y, Py_ssize_t n) {
        float s = 0.0f;
        for (Py_ssize_t j = 0; j < n; j++)
            s += x[j] * y[j];
        return s;
    }

    /* The max of a row of n >= 1 floats. Compiled as if no NaN occurred (which is what
       lets GCC vectorise the max): with a NaN in the row the result is any of its values or
       NaN, and since every caller then sums exp(x - max) over the row, the sum, and so
       every output of the row, is NaN anyway (PyTorch's rule: a NaN spreads to its row). */
    #if defined(__GNUC__) && !defined(__clang__)
    __attribute__((optimize("finite-math-only", "no-signed-zeros")))
    #endif
    MG_CLONES static float mg_max_f32(const float* x, Py_ssize_t n) {
        float m = x[0];
        for (Py_ssize_t j = 1; j < n; j++)
            m = x[j] > m ? x[j] : m;
        return m;
    }
    #endif
    """
    float mg_expf(float z) nogil
    void mg_exp_shifted_f32(const float* x, float m, float* out, Py_ssize_t n) nogil
    float mg_sum_f32(const float* x, Py_ssize_t n) nogil
    float mg_dot_f32(const float* x, const float* y, Py_ssize_t n) nogil
    float mg_max_f32(const float* x, Py_ssize_t n) nogil
