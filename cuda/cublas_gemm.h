// float32 GEMM through cuBLAS, loaded at run time: the app and the CLI start (and fall back to the
// matvec kernels) on machines where the CUDA toolkit's libcublas is not installed.
#pragma once

#include <cstdint>
#include <string>
#include <cuda_runtime.h>

namespace enclave::cuda {

class CublasGemm {
public:
    CublasGemm();
    ~CublasGemm();
    CublasGemm(const CublasGemm &) = delete;
    CublasGemm &operator=(const CublasGemm &) = delete;

    bool available() const { return m_handle != nullptr; }
    // Why it is not available (library missing, handle creation failed).
    const std::string &unavailableReason() const { return m_reason; }

    // Row-major y[n, rows] = x[n, cols] · w[rows, cols]ᵀ in float32 (no TF32), on `stream`.
    // ldy: floats between rows of y (≥ rows) so a tile of w's rows can write into a wider y.
    void multiply(const float *w, int64_t rows, int64_t cols, const float *x, int64_t n, float *y, int64_t ldy,
                  cudaStream_t stream);

private:
    void *m_library = nullptr;
    void *m_handle = nullptr;
    std::string m_reason;
    struct Api;
    Api *m_api = nullptr;
};

} // namespace enclave::cuda
