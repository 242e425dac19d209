// Synthetic weights: counter-based random numbers (a splitmix64 stream per row or pool segment,
// Box-Muller normals), so the bytes never depend on which worker produced them.
#include "engine/tools/synthetic_weights.h"

#include "engine/cpu/thread_pool.h"
#include "engine/quant/traits.h"

#include <cmath>
#include <cstring>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <string>

namespace enclave {
namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kPoolSalt = 0x706F6F6C706F6F6Cull;
constexpr uint64_t kPickSalt = 0x7069636B7069636Bull;
// Largest segment a pooled row is assembled from: a multiple of every block size (1, 32, 256).
constexpr int64_t kSegmentElems = 256;
// Values per parallelFor chunk, so tiny rows are not dispatched one by one.
constexpr int64_t kValuesPerChunk = 1 << 16;

uint64_t finalize(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t mix(uint64_t a, uint64_t b) { return finalize(a + kGolden * (b + 1)); }

class NormalStream {
public:
    explicit NormalStream(uint64_t seed) : m_state(seed) {}

    // mean + stddev * N(0, 1) into dst[0..n).
    void fill(float *dst, int64_t n, float mean, float stddev)
    {
        for (int64_t i = 0; i < n; i += 2) {
            const double u1 = double((next() >> 11) + 1) * 0x1.0p-53; // (0, 1]
            const double u2 = double(next() >> 11) * 0x1.0p-53;
            const double r = std::sqrt(-2.0 * std::log(u1));
            const double angle = 2.0 * std::numbers::pi * u2;
            dst[i] = float(mean + stddev * r * std::cos(angle));
            if (i + 1 < n)
                dst[i + 1] = float(mean + stddev * r * std::sin(angle));
        }
    }

private:
    uint64_t next() { return finalize(m_state += kGolden); }

    uint64_t m_state;
};

void generateEncoded(const WeightRecipe &r, uint64_t streamSeed, int64_t n, std::vector<float> &scratch, uint8_t *dst)
{
    scratch.resize(size_t(n));
    NormalStream(streamSeed).fill(scratch.data(), n, r.mean, r.stddev);
    quantTraits(r.type).quantizeRow(scratch.data(), dst, n);
}

void fillExact(const WeightRecipe &r, int64_t rows, int64_t rowLen, uint8_t *out, ThreadPool &pool)
{
    const int64_t rowBytes = quantRowBytes(r.type, rowLen);
    pool.parallelFor(
        rows,
        [&](int64_t begin, int64_t end, int) {
            std::vector<float> scratch;
            for (int64_t row = begin; row < end; ++row)
                generateEncoded(r, mix(r.seed, uint64_t(row)), rowLen, scratch, out + row * rowBytes);
        },
        std::max<int64_t>(1, kValuesPerChunk / rowLen));
}

void fillPooled(const WeightRecipe &r, int64_t rows, int64_t rowLen, uint8_t *out, ThreadPool &pool)
{
    const int64_t segElems = std::gcd(rowLen, kSegmentElems);
    const int64_t segBytes = quantRowBytes(r.type, segElems);
    const int64_t poolSegs = kSyntheticPoolElems / segElems;
    std::vector<uint8_t> segments(size_t(poolSegs * segBytes));
    pool.parallelFor(poolSegs, [&](int64_t begin, int64_t end, int) {
        std::vector<float> scratch;
        for (int64_t s = begin; s < end; ++s)
            generateEncoded(r, mix(r.seed ^ kPoolSalt, uint64_t(s)), segElems, scratch, segments.data() + s * segBytes);
    });
    const int64_t segsPerRow = rowLen / segElems;
    const int64_t rowBytes = segsPerRow * segBytes;
    pool.parallelFor(
        rows,
        [&](int64_t begin, int64_t end, int) {
            for (int64_t row = begin; row < end; ++row) {
                const uint64_t rowSeed = mix(r.seed ^ kPickSalt, uint64_t(row));
                uint8_t *dst = out + row * rowBytes;
                for (int64_t j = 0; j < segsPerRow; ++j) {
                    const uint64_t pick = mix(rowSeed, uint64_t(j)) % uint64_t(poolSegs);
                    std::memcpy(dst + j * segBytes, segments.data() + pick * uint64_t(segBytes), size_t(segBytes));
                }
            }
        },
        std::max<int64_t>(1, kValuesPerChunk / rowLen));
}

} // namespace

uint64_t syntheticSeed(uint64_t seed, std::string_view text)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (char c : text)
        h = (h ^ uint8_t(c)) * 0x100000001B3ull;
    return mix(seed, h);
}

void fillSyntheticWeights(const WeightRecipe &recipe, std::span<uint8_t> out, ThreadPool &pool)
{
    const QuantTraits &traits = quantTraits(recipe.type);
    const int64_t rowLen = recipe.shape.empty() ? 1 : recipe.shape.back();
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < recipe.shape.size(); ++d)
        rows *= recipe.shape[d];
    if (!traits.quantizeRow)
        throw std::invalid_argument(std::string("fillSyntheticWeights: no quantizer for ") + traits.name);
    if (rowLen <= 0 || rowLen % traits.blockElems != 0)
        throw std::invalid_argument("fillSyntheticWeights: row length " + std::to_string(rowLen) +
                                    " is not a whole number of " + traits.name + " blocks");
    const uint64_t expectedBytes = uint64_t(rows * quantRowBytes(recipe.type, rowLen));
    if (expectedBytes != out.size())
        throw std::invalid_argument("fillSyntheticWeights: output is " + std::to_string(out.size()) +
                                    " bytes, expected " + std::to_string(expectedBytes));
    if (rows * rowLen <= kSyntheticExactElems)
        fillExact(recipe, rows, rowLen, out.data(), pool);
    else
        fillPooled(recipe, rows, rowLen, out.data(), pool);
}

} // namespace enclave
