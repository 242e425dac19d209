// enclave-cli kernels: the decoding dot of every weight format, over a matrix larger than the
// caches on all threads, as weight GB/s against this machine's measured read bandwidth: the exact
// dot (float32 activations) and the fast one (8-bit activations). Generation is this dot over
// every weight a token reads, so the ratio is how close a format can get to the memory wall.
#include "engine/cli/args.h"
#include "engine/cpu/memory_bandwidth.h"
#include "engine/cpu/thread_pool.h"
#include "engine/cpu/vec_dot.h"
#include "engine/quant/random_blocks.h"
#include "engine/quant/traits.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

namespace enclave::cli {
namespace {

// Weight formats in the order of the table; F8_E4M3 and the activation formats are left out.
constexpr QuantType kFormats[] = {
    QuantType::F32,    QuantType::F16,     QuantType::BF16,    QuantType::Q8_0,    QuantType::Q6_K,
    QuantType::Q5_K,   QuantType::Q4_K,    QuantType::Q4_0,    QuantType::Q4_1,    QuantType::Q5_0,
    QuantType::Q5_1,   QuantType::Q3_K,    QuantType::Q2_K,    QuantType::IQ4_NL,  QuantType::IQ4_XS,
    QuantType::IQ3_S,  QuantType::IQ3_XXS, QuantType::IQ2_S,   QuantType::IQ2_XS,  QuantType::IQ2_XXS,
    QuantType::IQ1_M,  QuantType::IQ1_S,   QuantType::MXFP4,
};

constexpr int64_t kRowElems = 4096;
constexpr int kPasses = 3;

double secondsSince(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The best of kPasses of `pass`, as bytes / s.
template <typename Pass>
double bestGBps(double bytes, Pass &&pass)
{
    double best = 0;
    for (int i = 0; i < kPasses; ++i) {
        const auto start = std::chrono::steady_clock::now();
        pass();
        best = std::max(best, bytes / secondsSince(start) / 1e9);
    }
    return best;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

// --formats q4_k,iq2_xxs: the formats asked for (all without the option); an unknown name throws.
std::vector<QuantType> formatsFrom(const Args &a)
{
    if (!a.has("formats"))
        return {std::begin(kFormats), std::end(kFormats)};
    std::vector<QuantType> out;
    std::string list = a.value("formats") + ",";
    for (size_t start = 0, comma; (comma = list.find(',', start)) != std::string::npos; start = comma + 1) {
        const std::string name = lower(list.substr(start, comma - start));
        if (name.empty())
            continue;
        const auto it = std::find_if(std::begin(kFormats), std::end(kFormats),
                                     [&](QuantType t) { return lower(quantTypeName(t)) == name; });
        if (it == std::end(kFormats)) {
            std::string known;
            for (QuantType t : kFormats)
                known += (known.empty() ? "" : ", ") + lower(quantTypeName(t));
            throw UsageError("unknown format '" + name + "' in --formats (known: " + known + ")");
        }
        out.push_back(*it);
    }
    return out;
}

} // namespace

int runKernels(const Args &a)
{
    setDefaultThreadCount(int(a.integer("threads", 0)));
    ThreadPool &pool = defaultThreadPool();
    const int64_t mib = a.positiveInt("mib", 512);
    const std::vector<QuantType> formats = formatsFrom(a);
    const BandwidthResult bw = measureReadBandwidth(pool);
    std::printf("threads:    %d, CPU kernels: %s\n", pool.size(), cpuKernelLevel());
    std::printf("bandwidth:  %.1f GB/s memory read (%d threads, %.0f MiB buffer)\n", bw.readGBps, bw.threads,
                double(bw.bytes) / double(1 << 20));
    std::printf("matrix:     %lld MiB of weights per format, rows of %lld, best of %d passes\n",
                static_cast<long long>(mib), static_cast<long long>(kRowElems), kPasses);
    std::printf("%-8s %12s %8s %12s %8s\n", "format", "exact GB/s", "limit", "fast GB/s", "limit");

    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(kRowElems));
    for (float &v : x)
        v = normal(rng);
    for (QuantType type : formats) {
        const QuantTraits &t = quantTraits(type);
        const int64_t rowBytes = quantRowBytes(type, kRowElems);
        const int64_t rows = std::max<int64_t>(1, (mib << 20) / rowBytes);
        // 16 MiB of random rows, repeated: the caches cannot tell, and it is quick to make.
        const int64_t tileRows = std::min<int64_t>(rows, std::max<int64_t>(1, (int64_t(16) << 20) / rowBytes));
        const std::vector<uint8_t> tile = randomBlocks(type, tileRows * kRowElems, 11, RandomScales::Normal);
        std::vector<uint8_t> matrix(static_cast<size_t>(rows * rowBytes));
        for (int64_t r = 0; r < rows; r += tileRows)
            std::memcpy(matrix.data() + r * rowBytes, tile.data(), size_t(std::min(tileRows, rows - r) * rowBytes));
        const double bytes = double(matrix.size());
        std::vector<float> y(static_cast<size_t>(rows));

        const DotF32Fn exact = cpuDotF32(type);
        const double exactGBps = bestGBps(bytes, [&] {
            pool.parallelFor(rows, [&](int64_t begin, int64_t end, int) {
                for (int64_t r = begin; r < end; ++r)
                    y[size_t(r)] = exact(kRowElems, matrix.data() + r * rowBytes, x.data());
            }, 64);
        });
        double fastGBps = 0;
        if (t.dotType != QuantType::F32) {
            std::vector<uint8_t> activations(size_t(quantRowBytes(t.dotType, kRowElems)));
            cpuQuantizeActivations(t.dotType)(x.data(), activations.data(), kRowElems);
            const VecDotFn fast = cpuVecDot(type);
            fastGBps = bestGBps(bytes, [&] {
                pool.parallelFor(rows, [&](int64_t begin, int64_t end, int) {
                    for (int64_t r = begin; r < end; ++r)
                        y[size_t(r)] = fast(kRowElems, matrix.data() + r * rowBytes, activations.data());
                }, 64);
            });
        }
        if (fastGBps > 0)
            std::printf("%-8s %12.1f %7.0f%% %12.1f %7.0f%%\n", t.name, exactGBps, 100 * exactGBps / bw.readGBps, fastGBps,
                        100 * fastGBps / bw.readGBps);
        else
            std::printf("%-8s %12.1f %7.0f%% %12s %8s\n", t.name, exactGBps, 100 * exactGBps / bw.readGBps, "-", "-");
        std::fflush(stdout);
    }
    return 0;
}

} // namespace enclave::cli
