// cuda_forward_check: the forward-kernel checks without Qt, for GPU machines that lack it. Prints
// one line per case. Usage: cuda_forward_check [--no-large] (--no-large skips the launches over
// 2^31 elements, e.g. under compute-sanitizer). Exit status 1 on any failure or without a device.
#include "cuda/cuda_devices.h"
#include "tests/cuda/forward_kernels_check.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

int main(int argc, char **argv)
{
    using namespace enclave::cuda;
    check::ForwardCheckOptions options;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--no-large") == 0) {
            options.largeSizes = false;
        } else {
            std::fprintf(stderr, "usage: %s [--no-large]\n", argv[0]);
            return 2;
        }
    }
    try {
        const CudaDeviceList list = listCudaDevices();
        if (list.devices.empty()) {
            std::printf("no CUDA device: %s\n", list.unavailableReason.c_str());
            return 1;
        }
        const CudaDeviceInfo &d = list.devices.front();
        std::printf("device: %s, sm_%d%d, %d SMs, %llu MiB\n", d.name.c_str(), d.computeMajor, d.computeMinor,
                    d.multiprocessors, (unsigned long long)(d.totalMemory >> 20));
        std::fflush(stdout);
        return check::runForwardKernelChecks(std::cout, options) == 0 ? 0 : 1;
    } catch (const std::exception &e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
}
