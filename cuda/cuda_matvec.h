// The CUDA matrix-vector product for the engine, with no CUDA types in sight: device buffers
// (CudaBuffer), matrices uploaded into them, and y = W · x for 1..8 tokens on the default stream.
#pragma once

#include "engine/arch/weights.h"

#include <cstddef>
#include <cstdint>

namespace enclave::cuda {

// One device allocation on the current device, freed by the destructor; move-only. Allocation
// failure throws CudaError naming the bytes asked and the device's free/total memory. Uploads and
// downloads are synchronous with the host. Not thread-safe; any thread may own one.
class CudaBuffer {
public:
    CudaBuffer() = default;
    explicit CudaBuffer(size_t bytes);
    ~CudaBuffer();
    CudaBuffer(CudaBuffer &&other) noexcept;
    CudaBuffer &operator=(CudaBuffer &&other) noexcept;
    CudaBuffer(const CudaBuffer &) = delete;
    CudaBuffer &operator=(const CudaBuffer &) = delete;

    void upload(const void *host, size_t bytes, size_t offset = 0);
    void download(void *host, size_t bytes, size_t offset = 0) const;

    void *data() const { return m_data; }
    size_t size() const { return m_size; }
    template <class T>
    T *as() const { return static_cast<T *>(m_data); }

private:
    void *m_data = nullptr;
    size_t m_size = 0;
};

// Copies a host matrix's rows into `buffer` (reallocated to rows × rowBytes) and returns the same
// matrix viewing device memory. The view is valid while `buffer` lives. FP8 block scales are not
// supported (throws CudaError).
Matrix uploadMatrix(const Matrix &host, CudaBuffer &buffer);

// True when cudaQuantMatvec takes matrices of this type.
bool cudaMatvecSupports(QuantType type);

// y[t, r] = Σ_c W[r, c] · x[t, c] for t < n (1..8), on the default stream, asynchronous to the
// host (a download or cudaSynchronizeDevice() waits). deviceMatrix.data, deviceX ([n, cols], 16-byte
// aligned) and deviceY ([n, rows]) are device pointers. Throws CudaError for an unsupported type.
void cudaQuantMatvec(const Matrix &deviceMatrix, const float *deviceX, int64_t n, float *deviceY);

// Waits for all work on the current device.
void cudaSynchronizeDevice();

} // namespace enclave::cuda
