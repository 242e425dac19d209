// CudaBuffer and the plain C++ entry to the quantized matrix-vector kernels.
#include "cuda/cuda_matvec.h"

#include "cuda/cuda_check.h"
#include "cuda/quant_matvec.cuh"

#include <string>
#include <utility>

namespace enclave::cuda {

CudaBuffer::CudaBuffer(size_t bytes) : m_size(bytes)
{
    if (bytes == 0)
        return;
    const cudaError_t status = cudaMalloc(&m_data, bytes);
    if (status == cudaSuccess)
        return;
    cudaGetLastError(); // an allocation failure is not sticky; clear it for later checks
    m_data = nullptr;
    size_t freeBytes = 0, totalBytes = 0;
    std::string memory = "device memory unknown";
    if (cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess)
        memory = std::to_string(freeBytes >> 20) + " MiB free of " + std::to_string(totalBytes >> 20) + " MiB";
    throw CudaError(status, "CudaBuffer: cannot allocate " + std::to_string(bytes) + " bytes (" +
                                std::to_string(bytes >> 20) + " MiB): " + cudaGetErrorName(status) + ", " + memory);
}

CudaBuffer::~CudaBuffer()
{
    if (m_data)
        cudaFree(m_data); // note: no throw from a destructor; a failure here means the context is gone
}

CudaBuffer::CudaBuffer(CudaBuffer &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0))
{
}

CudaBuffer &CudaBuffer::operator=(CudaBuffer &&other) noexcept
{
    if (this != &other) {
        if (m_data)
            cudaFree(m_data);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

void CudaBuffer::upload(const void *host, size_t bytes, size_t offset)
{
    if (offset > m_size || bytes > m_size - offset)
        throw CudaError(cudaErrorInvalidValue, "CudaBuffer::upload: " + std::to_string(bytes) + " bytes at " +
                                                   std::to_string(offset) + " past the end of " +
                                                   std::to_string(m_size));
    CUDA_CHECK(cudaMemcpy(static_cast<uint8_t *>(m_data) + offset, host, bytes, cudaMemcpyHostToDevice));
}

void CudaBuffer::download(void *host, size_t bytes, size_t offset) const
{
    if (offset > m_size || bytes > m_size - offset)
        throw CudaError(cudaErrorInvalidValue, "CudaBuffer::download: " + std::to_string(bytes) + " bytes at " +
                                                   std::to_string(offset) + " past the end of " +
                                                   std::to_string(m_size));
    CUDA_CHECK(cudaMemcpy(host, static_cast<const uint8_t *>(m_data) + offset, bytes, cudaMemcpyDeviceToHost));
}

Matrix uploadMatrix(const Matrix &host, CudaBuffer &buffer)
{
    if (host.blockScales)
        throw CudaError(cudaErrorNotSupported, "uploadMatrix: FP8 block scales are unsupported on CUDA");
    const int64_t packedRowBytes = quantRowBytes(host.type, host.cols);
    buffer = CudaBuffer(size_t(host.rows * packedRowBytes));
    CUDA_CHECK(cudaMemcpy2D(buffer.data(), size_t(packedRowBytes), host.data, size_t(host.rowBytes),
                            size_t(packedRowBytes), size_t(host.rows), cudaMemcpyHostToDevice));
    Matrix device = host;
    device.data = buffer.as<const uint8_t>();
    device.rowBytes = packedRowBytes;
    return device;
}

bool cudaMatvecSupports(QuantType type) { return quantMatvecSupports(type); }

void cudaQuantMatvec(const Matrix &deviceMatrix, const float *deviceX, int64_t n, float *deviceY)
{
    if (deviceMatrix.blockScales)
        throw CudaError(cudaErrorNotSupported, "cudaQuantMatvec: FP8 block scales are unsupported on CUDA");
    if (deviceMatrix.rowBytes != quantRowBytes(deviceMatrix.type, deviceMatrix.cols))
        throw CudaError(cudaErrorInvalidValue, "cudaQuantMatvec: rows must be packed (rowBytes " +
                                                   std::to_string(deviceMatrix.rowBytes) + ")");
    launchQuantMatvec(deviceMatrix.type, deviceMatrix.data, deviceMatrix.rows, deviceMatrix.cols, deviceX, n, deviceY,
                      nullptr);
}

void cudaSynchronizeDevice() { CUDA_CHECK(cudaDeviceSynchronize()); }

} // namespace enclave::cuda
