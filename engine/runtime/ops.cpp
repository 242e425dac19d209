// Runner building blocks. Each weight row is read once per matmul whatever the number of
// tokens: for a few tokens (decode) quantised rows are dotted straight from their blocks, for
// more they are dequantised once into a per-thread buffer and dotted with every token.
#include "engine/runtime/ops.h"

#include "engine/cpu/thread_pool.h"
#include "engine/cpu/vec_dot.h"
#include "engine/quant/traits.h"

#include <cmath>

namespace enclave {

void dequantizeMatrixRow(const Matrix &w, int64_t r, float *out)
{
    cpuDequantizeRowFast(w.type, w.row(r), out, w.cols);
    if (!w.blockScales)
        return;
    const int64_t scaleCols = (w.cols + w.scaleBlock - 1) / w.scaleBlock;
    const float *scales = w.blockScales + (r / w.scaleBlock) * scaleCols;
    for (int64_t c = 0; c < w.cols; ++c)
        out[c] *= scales[c / w.scaleBlock];
}

namespace {

// Up to this many tokens a quantised row is dotted straight from its blocks: dequantising it
// first only pays off when many tokens reuse the float row.
constexpr int64_t kFusedDotMaxTokens = 4;
// Multiply-adds per parallel chunk: small enough that a decode step spreads a matrix over every
// worker, large enough that the dispatch cost vanishes.
constexpr int64_t kChunkMultiplyAdds = int64_t(1) << 18;

bool isDirectFloat(const Matrix &w)
{
    return !w.blockScales && (w.type == QuantType::F32 || w.type == QuantType::F16 || w.type == QuantType::BF16);
}

bool quantizedDotApplies(const Matrix &w, int64_t n, MatmulPrecision precision)
{
    if (precision != MatmulPrecision::Fast || n > kFusedDotMaxTokens || w.blockScales || isDirectFloat(w))
        return false;
    const QuantType dotType = quantTraits(w.type).dotType;
    return dotType != QuantType::F32 && w.cols % quantBlockElems(dotType) == 0;
}

void matmulQuantizedDot(const Matrix &w, const float *x, int64_t n, float *y, ThreadPool &pool)
{
    const QuantType dotType = quantTraits(w.type).dotType;
    const int64_t actBytes = quantRowBytes(dotType, w.cols);
    std::vector<uint8_t> activations(size_t(n * actBytes));
    const QuantizeRowFn quantize = cpuQuantizeActivations(dotType);
    for (int64_t t = 0; t < n; ++t)
        quantize(x + t * w.cols, activations.data() + t * actBytes, w.cols);
    const VecDotFn dot = cpuVecDot(w.type);
    const int64_t grain = std::max<int64_t>(1, kChunkMultiplyAdds / std::max<int64_t>(w.cols * n, 1));
    pool.parallelFor(w.rows, [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r)
            for (int64_t t = 0; t < n; ++t)
                y[t * w.rows + r] = dot(w.cols, w.row(r), activations.data() + t * actBytes);
    }, grain);
}

} // namespace

void matmul(const Matrix &w, const float *x, int64_t n, float *y, ThreadPool &pool, MatmulPrecision precision)
{
    if (quantizedDotApplies(w, n, precision)) {
        matmulQuantizedDot(w, x, n, y, pool);
        return;
    }
    const bool streamed = isDirectFloat(w) || (!w.blockScales && n <= kFusedDotMaxTokens);
    const DotF32Fn dotRow = streamed ? cpuDotF32(w.type) : nullptr;
    const VecDotFn dotF32 = cpuVecDot(QuantType::F32);
    const int64_t grain = std::max<int64_t>(1, kChunkMultiplyAdds / std::max<int64_t>(w.cols * n, 1));
    pool.parallelFor(w.rows, [&](int64_t begin, int64_t end, int) {
        thread_local std::vector<float> row;
        if (!streamed)
            row.resize(size_t(w.cols));
        for (int64_t r = begin; r < end; ++r) {
            if (streamed) {
                for (int64_t t = 0; t < n; ++t)
                    y[t * w.rows + r] = dotRow(w.cols, w.row(r), x + t * w.cols);
                continue;
            }
            dequantizeMatrixRow(w, r, row.data());
            for (int64_t t = 0; t < n; ++t)
                y[t * w.rows + r] = dotF32(w.cols, row.data(), x + t * w.cols);
        }
    }, grain);
}

void matmulTransposedAccumulate(const Matrix &w, const float *x, float *y, float *rowScratch)
{
    for (int64_t r = 0; r < w.rows; ++r) {
        dequantizeMatrixRow(w, r, rowScratch);
        const float xr = x[r];
        for (int64_t c = 0; c < w.cols; ++c)
            y[c] += xr * rowScratch[c];
    }
}

void rmsNorm(const float *x, const float *weight, float *out, int64_t n, float eps)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
        sum += double(x[i]) * double(x[i]);
    const float scale = float(1.0 / std::sqrt(sum / double(n) + double(eps)));
    for (int64_t i = 0; i < n; ++i)
        out[i] = x[i] * scale * weight[i];
}

void rmsNormRows(float *x, const float *weight, int64_t count, int64_t n, int64_t stride, float eps)
{
    for (int64_t i = 0; i < count; ++i)
        rmsNorm(x + i * stride, weight, x + i * stride, n, eps);
}

void softmax(float *x, int64_t n)
{
    float maxValue = x[0];
    for (int64_t i = 1; i < n; ++i)
        maxValue = std::max(maxValue, x[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - maxValue);
        sum += x[i];
    }
    const float inv = float(1.0 / sum);
    for (int64_t i = 0; i < n; ++i)
        x[i] *= inv;
}

void swiglu(const float *gate, const float *up, float *out, int64_t n)
{
    for (int64_t i = 0; i < n; ++i)
        out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

namespace {

// YaRN: blend interpolated and extrapolated frequencies by a linear ramp over the
// dimensions whose wavelength falls between the beta_fast and beta_slow rotations.
double yarnCorrectionDim(double rotations, int64_t dims, double theta, int64_t originalContext)
{
    return double(dims) * std::log(double(originalContext) / (rotations * 2.0 * M_PI)) / (2.0 * std::log(theta));
}

double yarnMscale(double factor, double mscale)
{
    return factor <= 1.0 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}

} // namespace

RopeTables::RopeTables(const RopeConfig &rope) : m_rope(rope)
{
    const int64_t pairs = rope.dims / 2;
    m_invFreq.resize(size_t(pairs));
    for (int64_t i = 0; i < pairs; ++i) {
        double f = std::pow(rope.theta, -2.0 * double(i) / double(rope.dims));
        if (!rope.freqFactors.empty())
            f /= double(rope.freqFactors[size_t(i)]);
        m_invFreq[size_t(i)] = f;
    }
    if (rope.yarnFactor > 1.0) {
        const double low = std::max(0.0, std::floor(yarnCorrectionDim(rope.yarnBetaFast, rope.dims, rope.theta,
                                                                      rope.yarnOriginalContext)));
        const double high = std::min(double(rope.dims - 1), std::ceil(yarnCorrectionDim(
                                                                rope.yarnBetaSlow, rope.dims, rope.theta,
                                                                rope.yarnOriginalContext)));
        for (int64_t i = 0; i < pairs; ++i) {
            const double ramp = std::clamp((double(i) - low) / std::max(high - low, 0.001), 0.0, 1.0);
            const double extrapolationMask = 1.0 - ramp;
            const double extrapolated = m_invFreq[size_t(i)];
            const double interpolated = extrapolated / rope.yarnFactor;
            m_invFreq[size_t(i)] = interpolated * (1.0 - extrapolationMask) + extrapolated * extrapolationMask;
        }
        m_mscale = yarnMscale(rope.yarnFactor, rope.yarnMscale) / yarnMscale(rope.yarnFactor, rope.yarnMscaleAllDim);
    }
}

void RopeTables::at(int64_t pos, std::vector<float> &cos, std::vector<float> &sin) const
{
    cos.resize(m_invFreq.size());
    sin.resize(m_invFreq.size());
    for (size_t i = 0; i < m_invFreq.size(); ++i) {
        const double angle = double(pos) * m_invFreq[i];
        cos[i] = float(std::cos(angle) * m_mscale);
        sin[i] = float(std::sin(angle) * m_mscale);
    }
}

void applyRope(float *x, int64_t heads, int64_t stride, RopeStyle style, int64_t dims, const float *cos,
               const float *sin)
{
    const int64_t pairs = dims / 2;
    for (int64_t h = 0; h < heads; ++h) {
        float *v = x + h * stride;
        for (int64_t i = 0; i < pairs; ++i) {
            const int64_t a = style == RopeStyle::Interleaved ? 2 * i : i;
            const int64_t b = style == RopeStyle::Interleaved ? 2 * i + 1 : i + pairs;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * cos[i] - x1 * sin[i];
            v[b] = x0 * sin[i] + x1 * cos[i];
        }
    }
}

} // namespace enclave
