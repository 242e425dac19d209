// CUDA device discovery and a one-kernel smoke test. Plain C++ interface: callers need
// no CUDA headers. On a machine without an NVIDIA driver the list is empty, with a reason.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace enclave::cuda {

struct CudaDeviceInfo {
    int index = 0;
    std::string name;
    int computeMajor = 0;
    int computeMinor = 0;
    uint64_t totalMemory = 0; // bytes
    uint64_t freeMemory = 0;  // bytes, at the time of the query
    int multiprocessors = 0;
};

struct CudaDeviceList {
    std::vector<CudaDeviceInfo> devices;
    std::string unavailableReason; // why the list is empty, when it is
};

CudaDeviceList listCudaDevices();

// Adds two vectors of n floats on the device and returns the largest error against the
// host result. Throws CudaError when the device cannot run it.
float cudaSmokeTest(int device, int n);

} // namespace enclave::cuda
