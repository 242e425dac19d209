// gpu_conformance REFPACK_DIR: the reference-pack conformance of the CUDA backend (see
// gpu_conformance.h); exit status 0 when every comparison passes, 1 otherwise, 2 without a GPU.
#include "tests/cuda/gpu_conformance.h"

#include <cstdio>
#include <exception>
#include <iostream>

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: gpu_conformance REFPACK_DIR\n");
        return 2;
    }
    try {
        return enclave::cuda::runGpuConformance(argv[1], std::cout) == 0 ? 0 : 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "gpu_conformance: %s\n", e.what());
        return 2;
    }
}
