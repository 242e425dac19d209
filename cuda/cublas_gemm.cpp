// cuBLAS through dlopen: the few entry points the prompt GEMM needs, resolved by name. The types
// come from the toolkit's header at build time; nothing links against the library.
#include "cuda/cublas_gemm.h"

#include "cuda/cuda_check.h"

#include <cublas_v2.h>
#include <dlfcn.h>

namespace enclave::cuda {

struct CublasGemm::Api {
    decltype(&cublasCreate_v2) create = nullptr;
    decltype(&cublasDestroy_v2) destroy = nullptr;
    decltype(&cublasSetStream_v2) setStream = nullptr;
    decltype(&cublasSetMathMode) setMathMode = nullptr;
    decltype(&cublasSgemm_v2) sgemm = nullptr;
};

namespace {

template <class F>
bool resolve(void *library, const char *name, F &out)
{
    out = reinterpret_cast<F>(dlsym(library, name));
    return out != nullptr;
}

} // namespace

CublasGemm::CublasGemm()
{
    for (const char *name : {"libcublas.so.13", "libcublas.so.12", "libcublas.so", "/usr/local/cuda/lib64/libcublas.so"}) {
        m_library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (m_library)
            break;
    }
    if (!m_library) {
        m_reason = "libcublas not found (prompts run on the matrix-vector kernels)";
        return;
    }
    m_api = new Api;
    if (!resolve(m_library, "cublasCreate_v2", m_api->create) || !resolve(m_library, "cublasDestroy_v2", m_api->destroy) ||
        !resolve(m_library, "cublasSetStream_v2", m_api->setStream) ||
        !resolve(m_library, "cublasSetMathMode", m_api->setMathMode) || !resolve(m_library, "cublasSgemm_v2", m_api->sgemm)) {
        m_reason = "libcublas lacks an entry point this build uses";
        return;
    }
    cublasHandle_t handle = nullptr;
    if (m_api->create(&handle) != CUBLAS_STATUS_SUCCESS) {
        m_reason = "cublasCreate failed";
        return;
    }
    // Pedantic float32: the prompt must give the same numbers as the CPU reference.
    m_api->setMathMode(handle, CUBLAS_PEDANTIC_MATH);
    m_handle = handle;
}

CublasGemm::~CublasGemm()
{
    if (m_handle)
        m_api->destroy(static_cast<cublasHandle_t>(m_handle));
    delete m_api;
    if (m_library)
        dlclose(m_library);
}

void CublasGemm::multiply(const float *w, int64_t rows, int64_t cols, const float *x, int64_t n, float *y, int64_t ldy,
                          cudaStream_t stream)
{
    auto handle = static_cast<cublasHandle_t>(m_handle);
    if (m_api->setStream(handle, stream) != CUBLAS_STATUS_SUCCESS)
        throw CudaError(cudaErrorUnknown, "cublasSetStream failed");
    // Column-major view: yᵀ[rows, n] = w'ᵀ · xᵀ where w' = wᵀ is w read column-major (cols × rows).
    const float one = 1.0f, zero = 0.0f;
    const cublasStatus_t status = m_api->sgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(rows), int(n), int(cols), &one, w,
                                               int(cols), x, int(cols), &zero, y, int(ldy));
    if (status != CUBLAS_STATUS_SUCCESS)
        throw CudaError(cudaErrorUnknown, "cublasSgemm failed with status " + std::to_string(int(status)));
}

} // namespace enclave::cuda
