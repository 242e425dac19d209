// enclave-cli bench: prompt and generation speed, next to this machine's memory bandwidth
// and the weight bytes one generated token reads.
#pragma once

#include "engine/backend.h"
#include "engine/runtime/ops.h"

#include <string>

namespace enclave {

struct BenchOptions {
    std::string modelPath;
    int64_t promptTokens = 512;
    int64_t genTokens = 128;
    int threads = 0; // 0: every CPU
    MatmulPrecision precision = MatmulPrecision::Exact;
    BackendOptions backend; // where it runs (--backend, --vram-budget)
    std::string replayTrace; // route by this trace instead of the router (measurement only)
    std::string recordTrace; // write the routing of the run here
};

int runBench(const BenchOptions &options);

} // namespace enclave
