// CUDA_CHECK: every CUDA runtime call goes through it; a failure throws CudaError with
// the file, line, call and the API's error name.
#pragma once

#include <cuda_runtime.h>
#include <stdexcept>
#include <string>

namespace enclave::cuda {

class CudaError : public std::runtime_error {
public:
    CudaError(cudaError_t code, const std::string &what) : std::runtime_error(what), m_code(code) {}
    cudaError_t code() const { return m_code; }
private:
    cudaError_t m_code;
};

[[noreturn]] inline void throwCudaError(cudaError_t code, const char *call, const char *file, int line)
{
    throw CudaError(code, std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " +
                              cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")");
}

} // namespace enclave::cuda

#define CUDA_CHECK(call)                                                                  \
    do {                                                                                  \
        const cudaError_t enclaveCudaStatus_ = (call);                                    \
        if (enclaveCudaStatus_ != cudaSuccess)                                            \
            ::enclave::cuda::throwCudaError(enclaveCudaStatus_, #call, __FILE__, __LINE__); \
    } while (0)
