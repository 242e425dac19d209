// CUDA device discovery and a one-kernel smoke test.
#include "cuda/cuda_check.h"
#include "cuda/cuda_devices.h"

#include <cmath>
#include <vector>

namespace enclave::cuda {
namespace {

__global__ void addKernel(const float *a, const float *b, float *out, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        out[i] = a[i] + b[i];
}

} // namespace

CudaDeviceList listCudaDevices()
{
    CudaDeviceList list;
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        list.unavailableReason = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
        cudaGetLastError(); // clear the sticky error state for later callers
        return list;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        CUDA_CHECK(cudaGetDeviceProperties(&prop, i));
        CudaDeviceInfo info;
        info.index = i;
        info.name = prop.name;
        info.computeMajor = prop.major;
        info.computeMinor = prop.minor;
        info.totalMemory = prop.totalGlobalMem;
        info.multiprocessors = prop.multiProcessorCount;
        size_t freeBytes = 0, totalBytes = 0;
        CUDA_CHECK(cudaSetDevice(i));
        CUDA_CHECK(cudaMemGetInfo(&freeBytes, &totalBytes));
        info.freeMemory = freeBytes;
        list.devices.push_back(info);
    }
    if (count == 0)
        list.unavailableReason = "no CUDA device";
    return list;
}

float cudaSmokeTest(int device, int n)
{
    CUDA_CHECK(cudaSetDevice(device));
    std::vector<float> a(n), b(n), out(n);
    for (int i = 0; i < n; ++i) {
        a[i] = 0.5f * float(i);
        b[i] = std::sin(float(i));
    }
    float *da = nullptr, *db = nullptr, *dout = nullptr;
    const size_t bytes = size_t(n) * sizeof(float);
    CUDA_CHECK(cudaMalloc(&da, bytes));
    CUDA_CHECK(cudaMalloc(&db, bytes));
    CUDA_CHECK(cudaMalloc(&dout, bytes));
    CUDA_CHECK(cudaMemcpy(da, a.data(), bytes, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(db, b.data(), bytes, cudaMemcpyHostToDevice));
    addKernel<<<(n + 255) / 256, 256>>>(da, db, dout, n);
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaMemcpy(out.data(), dout, bytes, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(da));
    CUDA_CHECK(cudaFree(db));
    CUDA_CHECK(cudaFree(dout));
    float worst = 0.0f;
    for (int i = 0; i < n; ++i)
        worst = std::max(worst, std::fabs(out[i] - (a[i] + b[i])));
    return worst;
}

} // namespace enclave::cuda
