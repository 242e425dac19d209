// The CUDA matrix-vector checks and benchmarks, free of Qt so that both tst_cuda_matvec (Qt Test)
// and the plain cuda_matvec_check driver (for machines without Qt) run the very same code.
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>
#include <string>
#include <vector>

namespace enclave::cuda::check {

// The formats the CUDA matvec supports, in the order results are printed.
const std::vector<QuantType> &matvecTypes();

struct MatvecShape {
    int64_t rows;
    int64_t cols;
};

// Shapes for one format: rows 1..4096, cols multiples of the block size with odd block counts
// (and odd widths for the float formats, which take the scalar kernel).
std::vector<MatvecShape> matvecShapes(QuantType type);

struct CheckResult {
    double worstRatio = 0; // max over outputs of |gpu - reference| / tolerance; <= 1 passes
    std::string worst;     // where the worst ratio was found
    int64_t outputs = 0;   // outputs compared
};

// Random valid blocks (quantizeRow of random floats) and activations; y = W · x on the device for
// n = 1, 3, 8 and every rows-per-warp choice against dequantizeRow + a double dot. The tolerance is
// the float32 summation bound (elements one lane sums + reduction depth) · 2^-24 · Σ|w·x|.
CheckResult checkMatvec(QuantType type, MatvecShape shape, uint32_t seed);

// Device-to-device cudaMemcpy bandwidth in GB/s, counting bytes read and written.
double copyBandwidthGBps();

struct Throughput {
    double weightGBps = 0; // weight bytes read per second
    double microseconds = 0; // per call
    int64_t weightBytes = 0;
};

// Times back-to-back calls over enough copies of the matrix that no call finds it in L2.
Throughput matvecThroughput(QuantType type, MatvecShape shape, int64_t n, int rowsPerWarp = 0);

// The first device, for the report, or an empty string with `reason` set when there is none.
std::string deviceDescription(std::string &reason);

} // namespace enclave::cuda::check
