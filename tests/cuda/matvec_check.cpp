// Checks of the CUDA matvec against the CPU reference, and its throughput next to the copy bandwidth.
#include "tests/cuda/matvec_check.h"

#include "cuda/cuda_check.h"
#include "cuda/cuda_devices.h"
#include "cuda/cuda_matvec.h"
#include "cuda/quant_matvec.cuh"
#include "engine/quant/traits.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace enclave::cuda::check {
namespace {

constexpr int64_t kTokenCounts[] = {1, 3, 8};
constexpr int kRowsPerWarpChoices[] = {0, 1, 2, 4}; // 0: the launcher's own choice
constexpr int kReductionDepth = 5;                  // log2 of the warp size
constexpr double kUnitRoundoff = 0x1p-24;
// Benchmarks cycle through at least this many weight bytes, a few times the L2 cache.
constexpr int64_t kBenchFootprint = int64_t(512) << 20;
constexpr int64_t kBenchRowsQuantized = 64; // distinct rows; the rest of a benchmark matrix repeats them

std::vector<float> randomFloats(int64_t count, std::mt19937 &rng, bool outliers)
{
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(count));
    for (auto &f : v)
        f = outliers ? normal(rng) * (uniform(rng) > 0.98f ? 8.0f : 1.0f) : uniform(rng);
    return v;
}

// rows × quantRowBytes(type, cols) bytes of valid blocks.
std::vector<uint8_t> randomMatrix(QuantType type, int64_t rows, int64_t cols, std::mt19937 &rng)
{
    const QuantTraits &traits = quantTraits(type);
    const int64_t rowBytes = quantRowBytes(type, cols);
    std::vector<uint8_t> data(static_cast<size_t>(rows * rowBytes));
    for (int64_t r = 0; r < rows; ++r) {
        const std::vector<float> row = randomFloats(cols, rng, true);
        traits.quantizeRow(row.data(), data.data() + r * rowBytes, cols);
    }
    return data;
}

int64_t elementsPerLane(QuantType type, int64_t cols)
{
    constexpr int64_t kMaxUnitElems = 32;
    return (cols + 31) / 32 + (quantBlockElems(type) > 1 ? kMaxUnitElems : 1);
}

} // namespace

const std::vector<QuantType> &matvecTypes()
{
    using enum QuantType;
    static const std::vector<QuantType> types = {Q4_K, Q6_K, Q8_0, Q5_K, Q4_0, BF16, F16, F32};
    return types;
}

std::vector<MatvecShape> matvecShapes(QuantType type)
{
    const int64_t block = quantBlockElems(type);
    if (block == 1)
        return {{1, 1}, {3, 7}, {33, 100}, {100, 4096}, {257, 4100}, {1000, 1024}, {4096, 256}, {64, 4104}};
    if (block == 32)
        return {{1, 32}, {3, 96}, {31, 160}, {33, 1056}, {100, 4096}, {257, 2080}, {1024, 1024}, {4096, 64}};
    return {{1, 256}, {3, 768}, {33, 1280}, {100, 4352}, {257, 2304}, {1024, 4096}, {4096, 512}, {5, 11008}};
}

CheckResult checkMatvec(QuantType type, MatvecShape shape, uint32_t seed)
{
    std::mt19937 rng(seed);
    const auto [rows, cols] = shape;
    const int64_t maxTokens = kMatvecMaxTokens;
    const std::vector<uint8_t> weights = randomMatrix(type, rows, cols, rng);
    const std::vector<float> x = randomFloats(maxTokens * cols, rng, false);

    // CPU reference: dequantized rows dotted in double; Σ|w·x| scales the tolerance.
    const int64_t rowBytes = quantRowBytes(type, cols);
    std::vector<double> reference(size_t(maxTokens * rows)), magnitude(size_t(maxTokens * rows));
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
        quantTraits(type).dequantizeRow(weights.data() + r * rowBytes, row.data(), cols);
        for (int64_t t = 0; t < maxTokens; ++t) {
            double sum = 0, absSum = 0;
            for (int64_t c = 0; c < cols; ++c) {
                const double p = double(row[size_t(c)]) * double(x[size_t(t * cols + c)]);
                sum += p;
                absSum += std::fabs(p);
            }
            reference[size_t(t * rows + r)] = sum;
            magnitude[size_t(t * rows + r)] = absSum;
        }
    }

    CudaBuffer deviceW(weights.size()), deviceX(x.size() * sizeof(float));
    CudaBuffer deviceY(size_t(maxTokens * rows) * sizeof(float));
    deviceW.upload(weights.data(), weights.size());
    deviceX.upload(x.data(), x.size() * sizeof(float));
    const double boundFactor = double(elementsPerLane(type, cols) + kReductionDepth) * kUnitRoundoff;
    CheckResult result;
    std::vector<float> y(size_t(maxTokens * rows));
    for (const int64_t n : kTokenCounts) {
        for (const int rowsPerWarp : kRowsPerWarpChoices) {
            CUDA_CHECK(cudaMemset(deviceY.data(), 0xff, deviceY.size())); // NaN: a missed output fails
            launchQuantMatvecTuned(type, deviceW.data(), rows, cols, deviceX.as<float>(), n, deviceY.as<float>(),
                                   nullptr, rowsPerWarp);
            deviceY.download(y.data(), size_t(n * rows) * sizeof(float));
            for (int64_t i = 0; i < n * rows; ++i) {
                const double tolerance = boundFactor * magnitude[size_t(i)] + 1e-30;
                const double error = std::fabs(double(y[size_t(i)]) - reference[size_t(i)]);
                const double ratio = std::isfinite(error) ? error / tolerance : INFINITY;
                ++result.outputs;
                if (ratio > result.worstRatio || std::isnan(ratio)) {
                    result.worstRatio = std::isnan(ratio) ? INFINITY : ratio;
                    result.worst = "n=" + std::to_string(n) + " rowsPerWarp=" + std::to_string(rowsPerWarp) +
                                   " token " + std::to_string(i / rows) + " row " + std::to_string(i % rows) +
                                   ": got " + std::to_string(y[size_t(i)]) + ", want " +
                                   std::to_string(reference[size_t(i)]) + " ± " + std::to_string(tolerance);
                }
            }
        }
    }
    return result;
}

double copyBandwidthGBps()
{
    constexpr size_t kBytes = size_t(1) << 30;
    constexpr int kIterations = 10;
    CudaBuffer a(kBytes), b(kBytes);
    CUDA_CHECK(cudaMemset(a.data(), 1, kBytes));
    cudaEvent_t start, stop;
    CUDA_CHECK(cudaEventCreate(&start));
    CUDA_CHECK(cudaEventCreate(&stop));
    CUDA_CHECK(cudaMemcpy(b.data(), a.data(), kBytes, cudaMemcpyDeviceToDevice)); // warm-up
    CUDA_CHECK(cudaEventRecord(start));
    for (int i = 0; i < kIterations; ++i)
        CUDA_CHECK(cudaMemcpyAsync(i % 2 ? a.data() : b.data(), i % 2 ? b.data() : a.data(), kBytes,
                                   cudaMemcpyDeviceToDevice));
    CUDA_CHECK(cudaEventRecord(stop));
    CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    CUDA_CHECK(cudaEventDestroy(start));
    CUDA_CHECK(cudaEventDestroy(stop));
    return 2.0 * double(kBytes) * kIterations / (double(ms) * 1e6);
}

Throughput matvecThroughput(QuantType type, MatvecShape shape, int64_t n, int rowsPerWarp)
{
    std::mt19937 rng(7);
    const auto [rows, cols] = shape;
    const int64_t matrixBytes = rows * quantRowBytes(type, cols);
    const int64_t copies = std::max<int64_t>(1, (kBenchFootprint + matrixBytes - 1) / matrixBytes);
    // Quantize a few rows, then fill the copies on the device by doubling.
    const int64_t seedRows = std::min(rows, kBenchRowsQuantized);
    const std::vector<uint8_t> seed = randomMatrix(type, seedRows, cols, rng);
    CudaBuffer weights(size_t(matrixBytes * copies));
    weights.upload(seed.data(), seed.size());
    for (int64_t filled = int64_t(seed.size()); filled < matrixBytes * copies; filled *= 2)
        CUDA_CHECK(cudaMemcpy(weights.as<uint8_t>() + filled, weights.data(),
                              size_t(std::min(filled, matrixBytes * copies - filled)), cudaMemcpyDeviceToDevice));
    const std::vector<float> x = randomFloats(n * cols, rng, false);
    CudaBuffer deviceX(x.size() * sizeof(float)), deviceY(size_t(n * rows) * sizeof(float));
    deviceX.upload(x.data(), x.size() * sizeof(float));

    const int64_t iterations = std::max<int64_t>(3 * copies, 4 * kBenchFootprint / matrixBytes);
    auto call = [&](int64_t i) {
        launchQuantMatvecTuned(type, weights.as<uint8_t>() + (i % copies) * matrixBytes, rows, cols,
                               deviceX.as<float>(), n, deviceY.as<float>(), nullptr, rowsPerWarp);
    };
    for (int64_t i = 0; i < copies; ++i)
        call(i);
    cudaEvent_t start, stop;
    CUDA_CHECK(cudaEventCreate(&start));
    CUDA_CHECK(cudaEventCreate(&stop));
    CUDA_CHECK(cudaEventRecord(start));
    for (int64_t i = 0; i < iterations; ++i)
        call(i);
    CUDA_CHECK(cudaEventRecord(stop));
    CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    CUDA_CHECK(cudaEventDestroy(start));
    CUDA_CHECK(cudaEventDestroy(stop));
    Throughput t;
    t.weightBytes = matrixBytes;
    t.microseconds = double(ms) * 1e3 / double(iterations);
    t.weightGBps = double(matrixBytes) / (t.microseconds * 1e3);
    return t;
}

std::string deviceDescription(std::string &reason)
{
    const CudaDeviceList list = listCudaDevices();
    if (list.devices.empty()) {
        reason = list.unavailableReason;
        return {};
    }
    const CudaDeviceInfo &d = list.devices.front();
    return d.name + ", sm_" + std::to_string(d.computeMajor) + std::to_string(d.computeMinor) + ", " +
           std::to_string(d.multiprocessors) + " SMs, " + std::to_string(d.totalMemory >> 20) + " MiB";
}

} // namespace enclave::cuda::check
