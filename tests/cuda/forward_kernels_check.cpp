// The forward-kernel checks. Every case fills its outputs (and the cache positions a token must not
// see) with NaN or sentinels first, so a missed write or a read past a limit fails. Bounds are the
// float32 rounding bounds of the two computations (u = 2^-24 per operation); where both sides do
// the very same float operations the comparison is bit for bit.
#include "tests/cuda/forward_kernels_check.h"

#include "cuda/cuda_check.h"
#include "cuda/cuda_matvec.h"
#include "cuda/forward_kernels.cuh"
#include "cuda/quant_matvec.cuh"
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/traits.h"
#include "engine/runtime/layer_ops.h"
#include "engine/runtime/ops.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <exception>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace enclave::cuda::check {
namespace {

constexpr double kU = 0x1p-24; // float32 unit roundoff
constexpr double kTiny = 1e-30;

// One case: its comparisons, the worst of them, and PASS/FAIL.
class Case {
public:
    explicit Case(std::string name) : m_name(std::move(name)) {}

    // |got - want| <= bound; NaN only where want is NaN.
    void near(double got, double want, double bound, const std::string &where)
    {
        ++m_outputs;
        double error = std::fabs(got - want);
        if (std::isnan(got) || std::isnan(want))
            error = std::isnan(got) && std::isnan(want) ? 0.0 : INFINITY;
        else if (std::isinf(got) || std::isinf(want))
            error = got == want ? 0.0 : INFINITY;
        const double ratio = error == 0.0 ? 0.0 : (bound > 0 ? error / bound : INFINITY);
        m_maxAbs = std::max(m_maxAbs, error);
        if (std::isfinite(want) && error > 0)
            m_maxRel = std::max(m_maxRel, error / std::max(std::fabs(want), kTiny));
        if (ratio > m_worstRatio) {
            m_worstRatio = ratio;
            std::ostringstream s;
            s.precision(9);
            s << where << ": got " << got << ", want " << want << " +- " << bound;
            m_worst = s.str();
        }
    }

    // The same bits, or both NaN.
    void same(float got, float want, const std::string &where)
    {
        const bool equal = std::bit_cast<uint32_t>(got) == std::bit_cast<uint32_t>(want) ||
                           (std::isnan(got) && std::isnan(want));
        near(got, want, 0.0, where);
        if (!equal && m_worstRatio != INFINITY) { // e.g. -0 for +0: equal values, other bits
            m_worstRatio = INFINITY;
            m_worst = where + ": bits differ";
        }
    }

    void expect(bool ok, const std::string &what)
    {
        ++m_outputs;
        if (!ok && m_failure.empty())
            m_failure = what;
    }

    void fail(const std::string &why) { m_failure = why; }

    bool passed() const { return m_failure.empty() && m_worstRatio <= 1.0; }

    std::string line() const
    {
        std::ostringstream s;
        s.precision(3);
        s << (passed() ? "PASS  " : "FAIL  ") << m_name << "  outputs " << m_outputs << "  max abs " << m_maxAbs
          << "  max rel " << m_maxRel << "  worst err/bound " << m_worstRatio;
        if (!m_failure.empty())
            s << "  -- " << m_failure;
        else if (!passed())
            s << "  -- " << m_worst;
        return s.str();
    }

private:
    std::string m_name;
    int64_t m_outputs = 0;
    double m_maxAbs = 0, m_maxRel = 0, m_worstRatio = 0;
    std::string m_worst, m_failure;
};

class Runner {
public:
    explicit Runner(std::ostream &log) : m_log(log) {}

    // Runs body(c) as one case; an exception fails the case, not the run.
    template <class Body>
    void run(const std::string &name, Body body)
    {
        Case c(name);
        try {
            body(c);
        } catch (const std::exception &e) {
            c.fail(std::string("exception: ") + e.what());
        }
        m_log << c.line() << std::endl;
        if (!c.passed())
            ++m_failures;
    }

    void note(const std::string &text) { m_log << text << std::endl; }
    int failures() const { return m_failures; }

private:
    std::ostream &m_log;
    int m_failures = 0;
};

template <class T>
CudaBuffer toDevice(const std::vector<T> &v)
{
    CudaBuffer b(v.size() * sizeof(T));
    if (!v.empty())
        b.upload(v.data(), v.size() * sizeof(T));
    return b;
}

template <class T>
std::vector<T> fromDevice(const CudaBuffer &b, size_t count, size_t offset = 0)
{
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<T> v(count);
    if (count > 0)
        b.download(v.data(), count * sizeof(T), offset * sizeof(T));
    return v;
}

CudaBuffer nanBuffer(size_t floats)
{
    CudaBuffer b(floats * sizeof(float));
    if (floats > 0)
        CUDA_CHECK(cudaMemset(b.data(), 0xff, b.size())); // 0xffffffff is a NaN
    return b;
}

std::vector<float> uniform(int64_t count, std::mt19937 &rng, float lo, float hi)
{
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(size_t(std::max<int64_t>(count, 0)));
    for (float &f : v)
        f = d(rng);
    return v;
}

std::string at(int64_t i) { return "[" + std::to_string(i) + "]"; }

template <class... Args>
std::string describe(const std::string &name, Args... values)
{
    std::ostringstream s;
    s << name;
    ((s << ' ' << values), ...);
    return s.str();
}

// ---------------------------------------------------------------- norms and element-wise ops

void checkRmsNorm(Runner &run)
{
    struct Shape {
        int64_t rows, width, xStride, outStride;
        bool inPlace;
    };
    const Shape shapes[] = {{1, 1, 1, 1, false},        {3, 7, 9, 7, false},         {37, 128, 128, 128, true},
                            {5, 4096, 4096, 4096, false}, {2, 7168, 7200, 7300, false}, {300, 64, 192, 192, true},
                            {1000, 33, 40, 33, false}};
    for (const Shape &s : shapes) {
        const std::string name = describe("rmsnorm rows", s.rows, "width", s.width, "strides", s.xStride,
                                          s.inPlace ? s.xStride : s.outStride, s.inPlace ? "in place" : "");
        run.run(name, [&](Case &c) {
            std::mt19937 rng(uint32_t(s.rows * 31 + s.width));
            const float eps = 1e-6f;
            const int64_t outStride = s.inPlace ? s.xStride : s.outStride;
            const std::vector<float> x = uniform(s.rows * s.xStride, rng, -2, 2);
            const std::vector<float> weight = uniform(s.width, rng, 0.5f, 1.5f);
            const std::vector<float> out0 = s.inPlace ? x : uniform(s.rows * outStride, rng, -9, 9);
            CudaBuffer dx = toDevice(x), dw = toDevice(weight), dout = toDevice(out0);
            float *outPtr = s.inPlace ? dx.as<float>() : dout.as<float>();
            launchRmsNorm(dx.as<float>(), s.xStride, dw.as<float>(), outPtr, outStride, s.rows, s.width, eps, nullptr);
            const std::vector<float> got = fromDevice<float>(s.inPlace ? dx : dout, size_t(s.rows * outStride));
            std::vector<float> want = out0;
            for (int64_t r = 0; r < s.rows; ++r)
                rmsNorm(x.data() + r * s.xStride, weight.data(), want.data() + r * outStride, s.width, eps);
            const double factor = (double(s.width) / 32.0 + 13.0) * kU;
            for (int64_t i = 0; i < s.rows * outStride; ++i) {
                if (i % outStride < s.width)
                    c.near(got[size_t(i)], want[size_t(i)], factor * std::fabs(want[size_t(i)]) + kTiny, at(i));
                else
                    c.same(got[size_t(i)], want[size_t(i)], at(i) + " (between rows)");
            }
        });
    }
}

void checkElementwise(Runner &run)
{
    for (const int64_t count : {int64_t(1), int64_t(5), int64_t(1000), (int64_t(1) << 20) + 3}) {
        run.run(describe("add count", count), [&](Case &c) {
            std::mt19937 rng{uint32_t(count)};
            const std::vector<float> y = uniform(count, rng, -5, 5), x = uniform(count, rng, -5, 5);
            CudaBuffer dy = toDevice(y), dx = toDevice(x);
            launchAdd(dy.as<float>(), dx.as<float>(), count, nullptr);
            const std::vector<float> got = fromDevice<float>(dy, size_t(count));
            for (int64_t i = 0; i < count; ++i)
                c.same(got[size_t(i)], y[size_t(i)] + x[size_t(i)], at(i));
        });
        run.run(describe("swiglu count", count, "(out aliases gate)"), [&](Case &c) {
            std::mt19937 rng(uint32_t(count) + 7);
            std::vector<float> gate = uniform(count, rng, -30, 30);
            const std::vector<float> up = uniform(count, rng, -3, 3);
            if (count >= 4) {
                gate[0] = 100.0f; // exp overflows: silu(-100) = -0 on both sides
                gate[1] = -100.0f;
                gate[2] = 0.0f;
            }
            CudaBuffer dg = toDevice(gate), du = toDevice(up);
            launchSwiglu(dg.as<float>(), du.as<float>(), dg.as<float>(), count, nullptr);
            const std::vector<float> got = fromDevice<float>(dg, size_t(count));
            std::vector<float> want(static_cast<size_t>(count));
            swiglu(gate.data(), up.data(), want.data(), count);
            for (int64_t i = 0; i < count; ++i)
                c.near(got[size_t(i)], want[size_t(i)], 8 * kU * std::fabs(want[size_t(i)]) + kTiny, at(i));
        });
    }
    struct Shape {
        int64_t rows, width;
    };
    for (const Shape s : {Shape{1, 1}, Shape{3, 7}, Shape{300, 4099}}) {
        run.run(describe("bias rows", s.rows, "width", s.width), [&](Case &c) {
            std::mt19937 rng(uint32_t(s.rows * 7 + s.width));
            const std::vector<float> x = uniform(s.rows * s.width, rng, -5, 5), bias = uniform(s.width, rng, -1, 1);
            CudaBuffer dx = toDevice(x), db = toDevice(bias);
            launchAddBias(dx.as<float>(), db.as<float>(), s.rows, s.width, nullptr);
            const std::vector<float> got = fromDevice<float>(dx, x.size());
            for (int64_t i = 0; i < s.rows * s.width; ++i)
                c.same(got[size_t(i)], x[size_t(i)] + bias[size_t(i % s.width)], at(i));
        });
    }
    for (const Shape s : {Shape{1, 64}, Shape{3, 2048}, Shape{7, 5121}}) {
        run.run(describe("gated add n", s.rows, "width", s.width), [&](Case &c) {
            std::mt19937 rng(uint32_t(s.rows * 5 + s.width));
            const int64_t count = s.rows * s.width;
            const std::vector<float> x = uniform(count, rng, -1, 1), gate = uniform(s.width, rng, -0.1f, 0.1f);
            const std::vector<float> y = uniform(count, rng, -2, 2), out0 = uniform(count, rng, -2, 2);
            CudaBuffer dx = toDevice(x), dg = toDevice(gate), dy = toDevice(y), dout = toDevice(out0);
            launchGatedAdd(dx.as<float>(), dg.as<float>(), dy.as<float>(), s.rows, s.width, dout.as<float>(), nullptr);
            const std::vector<float> got = fromDevice<float>(dout, size_t(count));
            for (int64_t t = 0; t < s.rows; ++t) {
                double dot = 0, magnitude = 0;
                for (int64_t j = 0; j < s.width; ++j) {
                    dot += double(gate[size_t(j)]) * x[size_t(t * s.width + j)];
                    magnitude += std::fabs(double(gate[size_t(j)]) * x[size_t(t * s.width + j)]);
                }
                const double g = 1.0 / (1.0 + std::exp(-dot));
                const double gateError = 0.25 * (double(s.width) / 256.0 + 16.0) * kU * magnitude + 4 * kU * g;
                for (int64_t j = 0; j < s.width; ++j) {
                    const size_t i = size_t(t * s.width + j);
                    const double want = out0[i] + g * y[i];
                    const double bound = std::fabs(y[i]) * gateError + 2 * kU * (std::fabs(out0[i]) + std::fabs(g * y[i]));
                    c.near(got[i], want, bound + kTiny, at(int64_t(i)));
                }
            }
        });
    }
}

// ---------------------------------------------------------------- RoPE

void checkRope(Runner &run)
{
    struct RopeCase {
        const char *label;
        RopeStyle style;
        int64_t dims, headDim, heads, n, firstPos;
        int64_t offset;   // rotated part starts here in each head (DeepSeek: after the no-rope dims)
        int64_t tokenPad; // extra floats per token
        double theta;
        bool llama3;
        double yarnFactor;
    };
    const RopeCase cases[] = {
        {"half-split", RopeStyle::HalfSplit, 128, 128, 4, 7, 0, 0, 0, 1e6, false, 1.0},
        {"interleaved yarn", RopeStyle::Interleaved, 64, 192, 3, 300, 1000, 128, 0, 10000, false, 40.0},
        {"half-split llama3", RopeStyle::HalfSplit, 128, 128, 8, 37, 5000, 0, 64, 500000, true, 1.0},
        {"interleaved partial", RopeStyle::Interleaved, 32, 64, 5, 1, 77, 0, 3, 10000, false, 1.0},
        {"half-split partial yarn", RopeStyle::HalfSplit, 48, 80, 2, 3, 40000, 0, 0, 10000, false, 4.0},
    };
    for (const RopeCase &rc : cases) {
        const std::string name = describe("rope", rc.label, "dims", rc.dims, "head", rc.headDim, "heads", rc.heads,
                                          "n", rc.n, "firstPos", rc.firstPos);
        run.run(name, [&](Case &c) {
            std::mt19937 rng(uint32_t(rc.dims * 13 + rc.n));
            RopeConfig config;
            config.style = rc.style;
            config.dims = rc.dims;
            config.theta = rc.theta;
            if (rc.llama3)
                config.freqFactors = uniform(rc.dims / 2, rng, 1.0f, 8.0f);
            if (rc.yarnFactor > 1.0) {
                config.yarnFactor = rc.yarnFactor;
                config.yarnOriginalContext = 4096;
                config.yarnMscale = 1.0;
                config.yarnMscaleAllDim = 0.5;
            }
            const RopeTables tables(config);
            const int64_t pairs = rc.dims / 2, tokenStride = rc.heads * rc.headDim + rc.tokenPad;
            std::vector<float> cosTable(size_t(rc.n * pairs)), sinTable(size_t(rc.n * pairs)), cs, sn;
            for (int64_t t = 0; t < rc.n; ++t) {
                tables.at(rc.firstPos + t, cs, sn);
                std::copy(cs.begin(), cs.end(), cosTable.begin() + t * pairs);
                std::copy(sn.begin(), sn.end(), sinTable.begin() + t * pairs);
            }
            const std::vector<float> x = uniform(rc.n * tokenStride, rng, -3, 3);
            CudaBuffer dx = toDevice(x), dcos = toDevice(cosTable), dsin = toDevice(sinTable);
            launchRope(dx.as<float>() + rc.offset, rc.n, rc.heads, tokenStride, rc.headDim, rc.style, rc.dims,
                       dcos.as<float>(), dsin.as<float>(), nullptr);
            const std::vector<float> got = fromDevice<float>(dx, x.size());
            std::vector<float> want = x;
            std::vector<double> magnitude(x.size(), 0.0); // |x0 c| + |x1 s| where rotated, else 0 (exact)
            for (int64_t t = 0; t < rc.n; ++t) {
                const float *cp = cosTable.data() + t * pairs, *sp = sinTable.data() + t * pairs;
                applyRope(want.data() + t * tokenStride + rc.offset, rc.heads, rc.headDim, rc.style, rc.dims, cp, sp);
                for (int64_t h = 0; h < rc.heads; ++h) {
                    const int64_t base = t * tokenStride + rc.offset + h * rc.headDim;
                    for (int64_t i = 0; i < pairs; ++i) {
                        const int64_t a = base + (rc.style == RopeStyle::Interleaved ? 2 * i : i);
                        const int64_t b = base + (rc.style == RopeStyle::Interleaved ? 2 * i + 1 : i + pairs);
                        const double m = std::fabs(x[size_t(a)] * cp[i]) + std::fabs(x[size_t(b)] * sp[i]) +
                                         std::fabs(x[size_t(a)] * sp[i]) + std::fabs(x[size_t(b)] * cp[i]);
                        magnitude[size_t(a)] = magnitude[size_t(b)] = m;
                    }
                }
            }
            for (size_t i = 0; i < x.size(); ++i) {
                if (magnitude[i] == 0.0)
                    c.same(got[i], want[i], at(int64_t(i)) + " (not rotated)");
                else
                    c.near(got[i], want[i], 3 * kU * magnitude[i] + kTiny, at(int64_t(i)));
            }
        });
    }
}

// ---------------------------------------------------------------- embedding rows and tiles

const std::vector<QuantType> &kernelTypes()
{
    using enum QuantType;
    static const std::vector<QuantType> types = {Q4_K, Q6_K, Q8_0, Q5_K, Q4_0, BF16, F16, F32};
    return types;
}

bool isFloat(QuantType t) { return t == QuantType::F32 || t == QuantType::F16 || t == QuantType::BF16; }

// A random fp16 that is finite (subnormals included).
uint16_t randomFiniteHalf(std::mt19937 &rng)
{
    uint16_t bits = uint16_t(rng() & 0xffffu);
    if (((bits >> 10) & 31) == 31)
        bits = uint16_t(bits & ~0x4000u);
    return bits;
}

// Byte offsets of the fp16 scales in one block of `type`.
std::vector<size_t> halfFields(QuantType type)
{
    switch (type) {
    case QuantType::Q4_0: return {offsetof(BlockQ4_0, d)};
    case QuantType::Q8_0: return {offsetof(BlockQ8_0, d)};
    case QuantType::Q4_K: return {offsetof(BlockQ4_K, d), offsetof(BlockQ4_K, dmin)};
    case QuantType::Q5_K: return {offsetof(BlockQ5_K, d), offsetof(BlockQ5_K, dmin)};
    case QuantType::Q6_K: return {offsetof(BlockQ6_K, d)};
    default: return {};
    }
}

// rows × rowBytes: the first rows quantized from random floats, the last `randomRows` random bytes
// (float formats: any bits, NaN and infinities included; quantized: finite random scales).
std::vector<uint8_t> randomMatrix(QuantType type, int64_t rows, int64_t cols, int64_t rowBytes, int64_t randomRows,
                                  std::mt19937 &rng)
{
    const QuantTraits &traits = quantTraits(type);
    std::vector<uint8_t> data(size_t(rows * rowBytes));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int64_t r = 0; r < rows; ++r) {
        uint8_t *row = data.data() + r * rowBytes;
        if (r < rows - randomRows) {
            std::vector<float> values(static_cast<size_t>(cols));
            for (float &v : values)
                v = normal(rng) * (rng() % 50 == 0 ? 8.0f : 1.0f);
            traits.quantizeRow(values.data(), row, cols);
        } else {
            for (int64_t b = 0; b < quantRowBytes(type, cols); ++b)
                row[b] = uint8_t(rng());
            const int64_t blockBytes = quantBlockBytes(type);
            for (int64_t block = 0; block < cols / quantBlockElems(type); ++block) {
                for (const size_t field : halfFields(type)) {
                    const uint16_t h = randomFiniteHalf(rng);
                    std::memcpy(row + block * blockBytes + int64_t(field), &h, sizeof h);
                }
            }
        }
    }
    return data;
}

void checkDequantize(Runner &run)
{
    for (const QuantType type : kernelTypes()) {
        const int64_t block = quantBlockElems(type);
        const std::vector<int64_t> widths = block == 1 ? std::vector<int64_t>{37, 100, 104, 256}
                                                       : std::vector<int64_t>{block, 5 * block};
        const bool wide = type == QuantType::Q4_K || type == QuantType::Q5_K || isFloat(type);
        for (const int64_t cols : widths) {
            for (const int64_t pad : {int64_t(0), wide ? int64_t(16) : int64_t(2)}) {
                // misalign: weights start 2 (F16/BF16) or 4 (F32) bytes off, for the element path
                const std::vector<int64_t> misaligns =
                    isFloat(type) && pad == 0 ? std::vector<int64_t>{0, quantBlockBytes(type)} : std::vector<int64_t>{0};
                for (const int64_t misalign : misaligns) {
                    const int64_t rows = 50, rowBytes = quantRowBytes(type, cols) + pad;
                    const std::string base = describe(std::string(quantTypeName(type)), "cols", cols, "rowBytes",
                                                      rowBytes, misalign ? "misaligned" : "");
                    std::mt19937 rng(uint32_t(cols * 17 + pad + misalign) ^ uint32_t(type));
                    const std::vector<uint8_t> matrix = randomMatrix(type, rows, cols, rowBytes, 10, rng);
                    std::vector<float> reference(size_t(rows * cols));
                    for (int64_t r = 0; r < rows; ++r)
                        quantTraits(type).dequantizeRow(matrix.data() + r * rowBytes, reference.data() + r * cols, cols);
                    CudaBuffer dw(matrix.size() + 16);
                    dw.upload(matrix.data(), matrix.size(), size_t(misalign));
                    const uint8_t *weights = dw.as<uint8_t>() + misalign;

                    const std::vector<int32_t> ids = {3, 49, 0, 17, 17, 42, 8, 45, 1};
                    for (const int64_t outOffset : {int64_t(0), int64_t(1)}) { // 1: no float4 stores
                        run.run("dequantize rows " + base + (outOffset ? " out+1" : ""), [&](Case &c) {
                            const int64_t n = int64_t(ids.size());
                            CudaBuffer did = toDevice(ids), dout = nanBuffer(size_t(n * cols + 1));
                            launchDequantizeRows(type, weights, rowBytes, cols, did.as<int32_t>(), n,
                                                 dout.as<float>() + outOffset, nullptr);
                            const std::vector<float> got = fromDevice<float>(dout, size_t(n * cols), size_t(outOffset));
                            for (int64_t t = 0; t < n; ++t)
                                for (int64_t j = 0; j < cols; ++j)
                                    c.same(got[size_t(t * cols + j)], reference[size_t(ids[size_t(t)] * cols + j)],
                                           "token " + std::to_string(t) + " col " + std::to_string(j));
                        });
                    }
                    run.run("dequantize tile " + base, [&](Case &c) {
                        const int64_t firstRow = 13, count = rows - firstRow;
                        CudaBuffer dout = nanBuffer(size_t(count * cols));
                        launchDequantizeTile(type, weights, rowBytes, cols, firstRow, count, dout.as<float>(), nullptr);
                        const std::vector<float> got = fromDevice<float>(dout, size_t(count * cols));
                        for (int64_t i = 0; i < count * cols; ++i)
                            c.same(got[size_t(i)], reference[size_t(firstRow * cols + i)], at(i));
                    });
                }
            }
        }
    }
}

// ---------------------------------------------------------------- attention

// softmax(scores) · values in double, with the float32 error bound of the GPU's computation:
// summation over the positions (~sqrt growth, times a safety factor) and the score dot products.
struct AttentionReference {
    std::vector<double> out, bound;
};

// score(t, h, p) -> {scale · q·k, scale · Σ|q||k|}; value(h, p, d).
template <class Score, class Value>
AttentionReference referenceAttention(int64_t n, int64_t firstPos, int64_t nHead, int64_t dimQ, int64_t dimV,
                                      Score score, Value value)
{
    AttentionReference r;
    r.out.assign(size_t(n * nHead * dimV), 0.0);
    r.bound.assign(size_t(n * nHead * dimV), 0.0);
    std::vector<double> s, w;
    for (int64_t t = 0; t < n; ++t) {
        const int64_t count = firstPos + t + 1;
        for (int64_t h = 0; h < nHead; ++h) {
            s.resize(static_cast<size_t>(count));
            w.resize(static_cast<size_t>(count));
            double maxScore = -INFINITY, maxMagnitude = 0;
            for (int64_t p = 0; p < count; ++p) {
                const auto [value0, magnitude] = score(t, h, p);
                s[size_t(p)] = value0;
                maxScore = std::max(maxScore, value0);
                maxMagnitude = std::max(maxMagnitude, magnitude);
            }
            double total = 0;
            for (int64_t p = 0; p < count; ++p)
                total += w[size_t(p)] = std::exp(s[size_t(p)] - maxScore);
            const double factor = kU * (64.0 + 4.0 * std::sqrt(double(count)) +
                                        2.0 * (double(dimQ) / 32.0 + 8.0) * maxMagnitude);
            for (int64_t d = 0; d < dimV; ++d) {
                double o = 0, magnitude = 0;
                for (int64_t p = 0; p < count; ++p) {
                    const double v = value(h, p, d);
                    o += w[size_t(p)] * v;
                    magnitude += w[size_t(p)] * std::fabs(v);
                }
                const size_t i = size_t((t * nHead + h) * dimV + d);
                r.out[i] = o / total;
                r.bound[i] = factor * magnitude / total + kTiny;
            }
        }
    }
    return r;
}

void compareAttention(Case &c, const std::vector<float> &got, const AttentionReference &want, int64_t nHead,
                      int64_t dimV)
{
    for (size_t i = 0; i < got.size(); ++i) {
        const int64_t t = int64_t(i) / (nHead * dimV), h = (int64_t(i) / dimV) % nHead, d = int64_t(i) % dimV;
        c.near(got[i], want.out[i], want.bound[i],
               "token " + std::to_string(t) + " head " + std::to_string(h) + " dim " + std::to_string(d));
    }
}

void checkAttention(Runner &run)
{
    struct Shape {
        int64_t n, firstPos, nHead, nHeadKv, headDim, headDimV, qPad;
    };
    const Shape shapes[] = {
        {1, 0, 4, 4, 64, 64, 0},       {1, 4999, 8, 2, 128, 128, 0}, {3, 4997, 8, 1, 128, 64, 0},
        {1, 20000, 2, 1, 64, 64, 0},   {37, 0, 8, 2, 64, 96, 16},    {37, 1000, 4, 4, 256, 128, 0},
        {300, 0, 4, 1, 64, 64, 0},     {300, 700, 2, 2, 128, 128, 0}, {1, 130, 16, 2, 256, 256, 0},
        {5, 3000, 12, 2, 64, 80, 0},   {2, 600, 16, 1, 96, 512, 0},  {1, 0, 1, 1, 1, 1, 0},
        {3, 257, 6, 2, 33, 7, 5},
    };
    for (const Shape &s : shapes) {
        const std::string name = describe("attention n", s.n, "firstPos", s.firstPos, "heads", s.nHead, "kv",
                                          s.nHeadKv, "headDim", s.headDim, "headDimV", s.headDimV, "qStride+",
                                          s.qPad);
        run.run(name, [&](Case &c) {
            std::mt19937 rng(uint32_t(s.n * 1009 + s.firstPos * 7 + s.nHead));
            const int64_t context = s.firstPos + s.n, capacity = context + 5;
            const int64_t qStride = s.nHead * s.headDim + s.qPad;
            const int64_t kWidth = s.nHeadKv * s.headDim, vWidth = s.nHeadKv * s.headDimV;
            const std::vector<float> q = uniform(s.n * qStride, rng, -1.5f, 1.5f);
            std::vector<float> k = uniform(capacity * kWidth, rng, -1, 1), v = uniform(capacity * vWidth, rng, -1, 1);
            std::fill(k.begin() + context * kWidth, k.end(), NAN); // positions no token may see
            std::fill(v.begin() + context * vWidth, v.end(), NAN);
            const float scale = float(1.0 / std::sqrt(double(s.headDim)));
            CudaBuffer dq = toDevice(q), dk = toDevice(k), dv = toDevice(v);
            CudaBuffer dout = nanBuffer(size_t(s.n * s.nHead * s.headDimV));
            CudaBuffer scratch = nanBuffer(size_t(attentionScratchFloats(s.n, s.nHead, s.headDimV, capacity)));
            launchAttention(dq.as<float>(), qStride, dk.as<float>(), dv.as<float>(), dout.as<float>(), s.n,
                            s.firstPos, s.nHead, s.nHeadKv, s.headDim, s.headDimV, scale, scratch.as<float>(),
                            nullptr);
            const std::vector<float> got = fromDevice<float>(dout, size_t(s.n * s.nHead * s.headDimV));
            const int64_t group = s.nHead / s.nHeadKv;
            auto score = [&](int64_t t, int64_t h, int64_t p) {
                const float *qh = q.data() + t * qStride + h * s.headDim;
                const float *kp = k.data() + p * kWidth + (h / group) * s.headDim;
                double dot = 0, magnitude = 0;
                for (int64_t d = 0; d < s.headDim; ++d) {
                    dot += double(qh[d]) * kp[d];
                    magnitude += std::fabs(double(qh[d]) * kp[d]);
                }
                return std::pair<double, double>(dot * scale, magnitude * scale);
            };
            auto value = [&](int64_t h, int64_t p, int64_t d) {
                return double(v[size_t(p * vWidth + (h / group) * s.headDimV + d)]);
            };
            compareAttention(c, got,
                             referenceAttention(s.n, s.firstPos, s.nHead, s.headDim, s.headDimV, score, value),
                             s.nHead, s.headDimV);
        });
    }
}

void checkLatentAttention(Runner &run)
{
    struct Shape {
        int64_t n, firstPos, nHead, rank, ropeDim;
    };
    const Shape shapes[] = {{1, 0, 16, 512, 64},   {1, 4999, 16, 512, 64}, {3, 1000, 128, 512, 64},
                            {37, 200, 8, 512, 64}, {300, 0, 4, 64, 16},    {5, 10, 3, 32, 8},
                            {2, 2000, 5, 48, 0},   {1, 9000, 128, 512, 64}};
    for (const Shape &s : shapes) {
        const std::string name = describe("latent attention n", s.n, "firstPos", s.firstPos, "heads", s.nHead,
                                          "rank", s.rank, "rope", s.ropeDim);
        run.run(name, [&](Case &c) {
            std::mt19937 rng(uint32_t(s.n * 7919 + s.firstPos + s.nHead));
            const int64_t context = s.firstPos + s.n, capacity = context + 3;
            const std::vector<float> qLatent = uniform(s.n * s.nHead * s.rank, rng, -0.3f, 0.3f);
            const std::vector<float> qRope = uniform(s.n * s.nHead * s.ropeDim, rng, -1, 1);
            std::vector<float> latent = uniform(capacity * s.rank, rng, -1, 1);
            std::vector<float> rope = uniform(capacity * s.ropeDim, rng, -1, 1);
            std::fill(latent.begin() + context * s.rank, latent.end(), NAN);
            std::fill(rope.begin() + context * s.ropeDim, rope.end(), NAN);
            const float scale = float(1.0 / std::sqrt(192.0));
            CudaBuffer dql = toDevice(qLatent), dqr = toDevice(qRope), dl = toDevice(latent), dr = toDevice(rope);
            CudaBuffer dout = nanBuffer(size_t(s.n * s.nHead * s.rank));
            CudaBuffer scratch = nanBuffer(size_t(latentAttentionScratchFloats(s.n, s.nHead, s.rank, capacity)));
            launchLatentAttention(dql.as<float>(), dqr.as<float>(), dl.as<float>(), dr.as<float>(), dout.as<float>(),
                                  s.n, s.firstPos, s.nHead, s.rank, s.ropeDim, scale, scratch.as<float>(), nullptr);
            const std::vector<float> got = fromDevice<float>(dout, size_t(s.n * s.nHead * s.rank));
            auto score = [&](int64_t t, int64_t h, int64_t p) {
                const float *ql = qLatent.data() + (t * s.nHead + h) * s.rank;
                const float *qr = qRope.data() + (t * s.nHead + h) * s.ropeDim;
                double dot = 0, magnitude = 0;
                for (int64_t d = 0; d < s.rank; ++d) {
                    dot += double(ql[d]) * latent[size_t(p * s.rank + d)];
                    magnitude += std::fabs(double(ql[d]) * latent[size_t(p * s.rank + d)]);
                }
                for (int64_t d = 0; d < s.ropeDim; ++d) {
                    dot += double(qr[d]) * rope[size_t(p * s.ropeDim + d)];
                    magnitude += std::fabs(double(qr[d]) * rope[size_t(p * s.ropeDim + d)]);
                }
                return std::pair<double, double>(dot * scale, magnitude * scale);
            };
            auto value = [&](int64_t, int64_t p, int64_t d) { return double(latent[size_t(p * s.rank + d)]); };
            compareAttention(c, got,
                             referenceAttention(s.n, s.firstPos, s.nHead, s.rank + s.ropeDim, s.rank, score, value),
                             s.nHead, s.rank);
        });
    }
}

// ---------------------------------------------------------------- routing

void checkRouting(Runner &run)
{
    struct RouteCase {
        int64_t nExpert, k;
        ExpertGating gating;
        bool bias;
        int64_t nGroup, topkGroup;
        bool topTwo, normTopK;
        double scale;
        bool ties; // logits on a coarse grid: many exact ties
    };
    using enum ExpertGating;
    const RouteCase cases[] = {
        {8, 2, Softmax, false, 1, 1, false, false, 1.0, false},   {60, 4, Softmax, false, 1, 1, false, true, 1.0, false},
        {64, 8, Softmax, false, 1, 1, false, false, 1.0, false},  {128, 8, Softmax, false, 1, 1, false, true, 1.0, false},
        {160, 6, Softmax, false, 8, 3, false, false, 16.0, false}, {256, 8, Sigmoid, true, 8, 4, true, true, 2.5, false},
        {256, 8, Sigmoid, true, 8, 4, true, true, 2.5, true},     {1024, 1, Softmax, false, 1, 1, false, false, 1.0, true},
        {100, 3, Sigmoid, true, 7, 2, true, false, 1.0, false},   {8, 8, Softmax, false, 1, 1, false, true, 1.0, true},
        {32, 4, Sigmoid, false, 4, 4, true, true, 1.0, false},    {64, 5, Softmax, false, 8, 1, false, false, 1.0, true},
        {256, 8, Sigmoid, false, 8, 4, false, true, 2.5, true},   {1024, 8, Softmax, true, 16, 5, true, true, 1.5, false},
    };
    int index = 0;
    for (const RouteCase &rc : cases) {
        const std::string name = describe("routing", rc.k, "of", rc.nExpert,
                                          rc.gating == Softmax ? "softmax" : "sigmoid", rc.bias ? "bias" : "",
                                          "groups", rc.topkGroup, "of", rc.nGroup, rc.topTwo ? "top-two" : "max",
                                          rc.normTopK ? "norm" : "", "scale", rc.scale, rc.ties ? "ties" : "");
        run.run(name, [&](Case &c) {
            std::mt19937 rng(uint32_t(++index * 104729));
            MoeConfig moe;
            moe.nExpert = rc.nExpert;
            moe.nExpertUsed = rc.k;
            moe.gating = rc.gating;
            moe.nGroup = rc.nGroup;
            moe.topkGroup = rc.topkGroup;
            moe.groupScoreTopTwo = rc.topTwo;
            moe.normTopK = rc.normTopK;
            moe.routedScale = rc.scale;
            const int64_t n = 9;
            std::vector<float> logits = uniform(n * rc.nExpert, rng, -4, 4);
            if (rc.ties)
                for (float &l : logits)
                    l = std::round(l * 2.0f) / 2.0f;
            std::vector<float> bias = uniform(rc.nExpert, rng, 0.0f, 0.2f);
            if (rc.ties)
                for (float &b : bias)
                    b = std::round(b * 20.0f) / 20.0f;
            CudaBuffer dl = toDevice(logits), db = toDevice(bias);
            CudaBuffer de(size_t(n * rc.k) * sizeof(int32_t)), dw = nanBuffer(size_t(n * rc.k));
            CUDA_CHECK(cudaMemset(de.data(), 0xff, de.size()));
            launchRouting(dl.as<float>(), rc.bias ? db.as<float>() : nullptr, n, moe, de.as<int32_t>(), dw.as<float>(),
                          nullptr);
            const std::vector<int32_t> experts = fromDevice<int32_t>(de, size_t(n * rc.k));
            const std::vector<float> weights = fromDevice<float>(dw, size_t(n * rc.k));
            for (int64_t t = 0; t < n; ++t) {
                const Routing r = routeToken(moe, logits.data() + t * rc.nExpert, rc.bias ? bias.data() : nullptr);
                for (int64_t j = 0; j < rc.k; ++j) {
                    const size_t i = size_t(t * rc.k + j);
                    const std::string where = "token " + std::to_string(t) + " rank " + std::to_string(j);
                    c.expect(experts[i] == r.experts[size_t(j)],
                             where + ": expert " + std::to_string(experts[i]) + ", want " +
                                 std::to_string(r.experts[size_t(j)]));
                    c.near(weights[i], r.weights[size_t(j)], 8 * kU * std::fabs(r.weights[size_t(j)]) + kTiny, where);
                }
            }
        });
    }
}

// ---------------------------------------------------------------- expert matvecs and combine

void checkExpertMatvec(Runner &run)
{
    constexpr int64_t kExperts = 8, kUsed = 3, kRows = 96;
    for (const QuantType type : kernelTypes()) {
        const int64_t block = quantBlockElems(type);
        const std::vector<int64_t> widths =
            block == 1 ? std::vector<int64_t>{100, 256} : std::vector<int64_t>{block == 32 ? 160 : 512};
        for (const int64_t cols : widths) {
            const int64_t rowBytes = quantRowBytes(type, cols), matrixBytes = kRows * rowBytes;
            std::mt19937 rng(uint32_t(cols) * 31u + uint32_t(type));
            const std::vector<uint8_t> matrices = randomMatrix(type, kExperts * kRows, cols, rowBytes, 0, rng);
            std::vector<float> dequantized(size_t(kExperts * kRows * cols));
            for (int64_t r = 0; r < kExperts * kRows; ++r)
                quantTraits(type).dequantizeRow(matrices.data() + r * rowBytes, dequantized.data() + r * cols, cols);
            CudaBuffer dm = toDevice(matrices);
            std::vector<const void *> table(static_cast<size_t>(kExperts));
            for (int64_t e = 0; e < kExperts; ++e) // experts 2 and 5 are computed elsewhere
                table[size_t(e)] = e == 2 || e == 5 ? nullptr : dm.as<uint8_t>() + e * matrixBytes;
            CudaBuffer dtable = toDevice(table);
            for (const int64_t n : {1, 2, 3, 4}) {
                for (const int64_t xShare : {kUsed, int64_t(1)}) {
                    const int64_t jobs = n * kUsed;
                    const std::string name = describe("expert matvec", std::string(quantTypeName(type)), kRows, "x",
                                                      cols, "tokens", n, "jobs", jobs, "xShare", xShare);
                    run.run(name, [&](Case &c) {
                        std::mt19937 r2(uint32_t(n * 7 + xShare));
                        std::vector<int32_t> ids(static_cast<size_t>(jobs));
                        for (int32_t &id : ids)
                            id = int32_t(r2() % kExperts);
                        ids[0] = 2; // at least one skipped job
                        const int64_t xRows = jobs / xShare, xStride = cols + 4;
                        const std::vector<float> x = uniform(xRows * xStride, r2, -1, 1);
                        std::vector<float> sentinel(size_t(jobs * kRows), 1234.5f);
                        CudaBuffer dids = toDevice(ids), dx = toDevice(x), dy = toDevice(sentinel);
                        launchExpertMatvec(type, dtable.as<const void *>(), dids.as<int32_t>(), jobs, kRows, cols,
                                           dx.as<float>(), xStride, xShare, dy.as<float>(), nullptr);
                        const std::vector<float> got = fromDevice<float>(dy, size_t(jobs * kRows));
                        const double lanes = double(cols) / 32.0 + (block > 1 ? 32.0 : 1.0) + 5.0;
                        for (int64_t j = 0; j < jobs; ++j) {
                            const int32_t e = ids[size_t(j)];
                            for (int64_t r = 0; r < kRows; ++r) {
                                const size_t i = size_t(j * kRows + r);
                                const std::string where = "job " + std::to_string(j) + " row " + std::to_string(r);
                                if (!table[size_t(e)]) {
                                    c.same(got[i], 1234.5f, where + " (skipped job)");
                                    continue;
                                }
                                const float *w = dequantized.data() + (e * kRows + r) * cols;
                                const float *xr = x.data() + (j / xShare) * xStride;
                                double dot = 0, magnitude = 0;
                                for (int64_t k = 0; k < cols; ++k) {
                                    dot += double(w[k]) * xr[k];
                                    magnitude += std::fabs(double(w[k]) * xr[k]);
                                }
                                c.near(got[i], dot, lanes * kU * magnitude + kTiny, where);
                            }
                        }
                    });
                }
            }
        }
    }

    for (const int64_t n : {1, 2, 4, 37}) {
        for (const int64_t width : {int64_t(7), int64_t(2048)}) {
            run.run(describe("expert combine tokens", n, "k", kUsed, "width", width), [&](Case &c) {
                std::mt19937 rng(uint32_t(n * 3 + width));
                std::vector<const void *> table(static_cast<size_t>(kExperts));
                CudaBuffer dummy(16);
                for (int64_t e = 0; e < kExperts; ++e)
                    table[size_t(e)] = e % 3 == 1 ? nullptr : dummy.data();
                std::vector<int32_t> ids(size_t(n * kUsed));
                for (int32_t &id : ids)
                    id = int32_t(rng() % kExperts);
                const std::vector<float> y = uniform(n * kUsed * width, rng, -2, 2);
                const std::vector<float> weights = uniform(n * kUsed, rng, 0, 1);
                const std::vector<float> out0 = uniform(n * width, rng, -3, 3);
                CudaBuffer dt = toDevice(table), did = toDevice(ids), dy = toDevice(y), dw = toDevice(weights),
                           dout = toDevice(out0);
                launchExpertCombine(dy.as<float>(), dw.as<float>(), did.as<int32_t>(), dt.as<const void *>(), n, kUsed,
                                    width, dout.as<float>(), nullptr);
                const std::vector<float> got = fromDevice<float>(dout, out0.size());
                for (int64_t t = 0; t < n; ++t) {
                    for (int64_t d = 0; d < width; ++d) {
                        const size_t i = size_t(t * width + d);
                        double want = out0[i], magnitude = std::fabs(out0[i]);
                        for (int64_t j = 0; j < kUsed; ++j) {
                            const size_t job = size_t(t * kUsed + j);
                            if (!table[size_t(ids[job])])
                                continue;
                            want += double(weights[job]) * y[job * size_t(width) + size_t(d)];
                            magnitude += std::fabs(double(weights[job]) * y[job * size_t(width) + size_t(d)]);
                        }
                        c.near(got[i], want, double(kUsed + 2) * kU * magnitude + kTiny, at(int64_t(i)));
                    }
                }
            });
        }
    }
}

// ---------------------------------------------------------------- edge cases

template <class Call>
bool throwsCudaError(Call call)
{
    try {
        call();
    } catch (const CudaError &) {
        return true;
    }
    return false;
}

void checkEdges(Runner &run)
{
    run.run("zero-size launches are no-ops", [&](Case &c) {
        const std::vector<float> values(64, 7.0f);
        CudaBuffer buffer = toDevice(values);
        float *p = buffer.as<float>();
        const int32_t *ids = reinterpret_cast<const int32_t *>(p);
        const void *const *table = reinterpret_cast<const void *const *>(p);
        MoeConfig moe;
        moe.nExpert = 8;
        moe.nExpertUsed = 2;
        // Null pointers everywhere: nothing may be touched.
        launchRmsNorm(nullptr, 4, nullptr, nullptr, 4, 0, 4, 1e-6f, nullptr);
        launchAdd(nullptr, nullptr, 0, nullptr);
        launchAddBias(nullptr, nullptr, 0, 16, nullptr);
        launchSwiglu(nullptr, nullptr, nullptr, 0, nullptr);
        launchRope(nullptr, 0, 4, 64, 16, RopeStyle::HalfSplit, 16, nullptr, nullptr, nullptr);
        launchDequantizeRows(QuantType::Q4_K, nullptr, 144, 256, nullptr, 0, nullptr, nullptr);
        launchDequantizeTile(QuantType::Q8_0, nullptr, 34, 32, 5, 0, nullptr, nullptr);
        launchAttention(nullptr, 64, nullptr, nullptr, nullptr, 0, 10, 4, 2, 16, 16, 1.0f, nullptr, nullptr);
        launchLatentAttention(nullptr, nullptr, nullptr, nullptr, nullptr, 0, 10, 4, 32, 8, 1.0f, nullptr, nullptr);
        launchRouting(nullptr, nullptr, 0, moe, nullptr, nullptr, nullptr);
        launchExpertMatvec(QuantType::Q4_0, nullptr, nullptr, 0, 16, 32, nullptr, 32, 1, nullptr, nullptr);
        launchExpertMatvec(QuantType::Q4_0, nullptr, nullptr, 4, 0, 32, nullptr, 32, 1, nullptr, nullptr);
        launchExpertCombine(nullptr, nullptr, nullptr, nullptr, 0, 3, 16, nullptr, nullptr);
        launchGatedAdd(nullptr, nullptr, nullptr, 0, 16, nullptr, nullptr);
        // Real buffers with zero counts: nothing changes.
        launchRmsNorm(p, 8, p, p, 8, 0, 8, 1e-6f, nullptr);
        launchAdd(p, p, 0, nullptr);
        launchAddBias(p, p, 0, 8, nullptr);
        launchSwiglu(p, p, p, 0, nullptr);
        launchRope(p, 0, 2, 16, 8, RopeStyle::Interleaved, 8, p, p, nullptr);
        launchDequantizeRows(QuantType::F32, p, 32, 8, ids, 0, p, nullptr);
        launchDequantizeTile(QuantType::F32, p, 32, 8, 0, 0, p, nullptr);
        launchAttention(p, 8, p, p, p, 0, 0, 1, 1, 8, 8, 1.0f, p, nullptr);
        launchLatentAttention(p, p, p, p, p, 0, 0, 1, 8, 0, 1.0f, p, nullptr);
        launchRouting(p, p, 0, moe, reinterpret_cast<int32_t *>(p), p, nullptr);
        launchExpertMatvec(QuantType::F32, table, ids, 0, 4, 8, p, 8, 1, p, nullptr);
        launchExpertCombine(p, p, ids, table, 0, 2, 8, p, nullptr);
        launchExpertCombine(p, p, ids, table, 2, 0, 8, p, nullptr);
        launchGatedAdd(p, p, p, 0, 8, p, nullptr);
        CUDA_CHECK(cudaDeviceSynchronize());
        const std::vector<float> after = fromDevice<float>(buffer, values.size());
        for (size_t i = 0; i < after.size(); ++i)
            c.same(after[i], 7.0f, at(int64_t(i)));
    });

    run.run("bad arguments throw CudaError before launching", [&](Case &c) {
        CudaBuffer buffer(4096);
        float *p = buffer.as<float>();
        MoeConfig moe;
        moe.nExpert = 8;
        moe.nExpertUsed = 9;
        c.expect(throwsCudaError([&] { launchRope(p, 1, 1, 8, 8, RopeStyle::HalfSplit, 7, p, p, nullptr); }),
                 "odd rope dims accepted");
        c.expect(throwsCudaError([&] { launchAttention(p, 48, p, p, p, 1, 0, 6, 4, 8, 8, 1.0f, p, nullptr); }),
                 "6 heads over 4 kv heads accepted");
        c.expect(throwsCudaError([&] { launchAttention(p, 2048, p, p, p, 1, 0, 1, 1, 2048, 8, 1.0f, p, nullptr); }),
                 "head dim 2048 accepted");
        c.expect(throwsCudaError([&] { launchRouting(p, nullptr, 1, moe, nullptr, p, nullptr); }),
                 "k > nExpert accepted");
        c.expect(throwsCudaError([&] {
                     launchDequantizeTile(QuantType::Q4_K, buffer.as<uint8_t>() + 2, 144, 256, 0, 1, p, nullptr);
                 }),
                 "misaligned Q4_K rows accepted");
        c.expect(throwsCudaError([&] { launchDequantizeTile(QuantType::Q2_K, p, 84, 256, 0, 1, p, nullptr); }),
                 "Q2_K accepted");
        c.expect(throwsCudaError([&] { launchDequantizeTile(QuantType::Q8_0, p, 34, 48, 0, 1, p, nullptr); }),
                 "48 columns of Q8_0 accepted");
        c.expect(throwsCudaError([&] {
                     launchExpertMatvec(QuantType::Q8_0, nullptr, nullptr, 1, 4, 32, p + 1, 32, 1, p, nullptr);
                 }),
                 "misaligned activations accepted");
        CUDA_CHECK(cudaDeviceSynchronize());
    });
}

// Launches over more than 2^31 elements; a few samples are compared (first, around 2^31, last).
void checkLargeSizes(Runner &run)
{
    const int64_t big = (int64_t(1) << 31) + 1001;
    auto samples = [](int64_t count, int64_t unit) {
        std::vector<int64_t> at0;
        for (const int64_t centre : {int64_t(0), (int64_t(1) << 31) / unit, count - 1})
            for (int64_t i = std::max<int64_t>(0, centre - 300); i <= std::min(count - 1, centre + 300); ++i)
                at0.push_back(i);
        return at0;
    };
    run.run(describe("large add count", big), [&](Case &c) {
        CudaBuffer y(size_t(big) * 4), x(size_t(big) * 4);
        CUDA_CHECK(cudaMemset(y.data(), 0x40, y.size()));
        CUDA_CHECK(cudaMemset(x.data(), 0x3f, x.size()));
        launchAdd(y.as<float>(), x.as<float>(), big, nullptr);
        const float want = std::bit_cast<float>(0x40404040u) + std::bit_cast<float>(0x3f3f3f3fu);
        for (const int64_t i : samples(big, 1))
            c.same(fromDevice<float>(y, 1, size_t(i))[0], want, at(i));
    });
    run.run("large rmsnorm in place, 2^21 + 1 rows of 1024", [&](Case &c) {
        const int64_t rows = (int64_t(1) << 21) + 1, width = 1024;
        std::mt19937 rng(5);
        const std::vector<float> seed = uniform(64 * width, rng, -2, 2), weight = uniform(width, rng, 0.5f, 1.5f);
        CudaBuffer x(size_t(rows * width) * 4), dw = toDevice(weight);
        x.upload(seed.data(), seed.size() * 4);
        for (int64_t filled = 64 * width; filled < rows * width; filled *= 2) // row r = seed row r % 64
            CUDA_CHECK(cudaMemcpy(x.as<float>() + filled, x.data(), size_t(std::min(filled, rows * width - filled)) * 4,
                                  cudaMemcpyDeviceToDevice));
        launchRmsNorm(x.as<float>(), width, dw.as<float>(), x.as<float>(), width, rows, width, 1e-6f, nullptr);
        std::vector<float> want(static_cast<size_t>(width));
        for (const int64_t r : samples(rows, width)) {
            rmsNorm(seed.data() + (r % 64) * width, weight.data(), want.data(), width, 1e-6f);
            const std::vector<float> got = fromDevice<float>(x, size_t(width), size_t(r * width));
            for (int64_t j = 0; j < width; ++j)
                c.near(got[size_t(j)], want[size_t(j)], 48 * kU * std::fabs(want[size_t(j)]) + kTiny,
                       "row " + std::to_string(r) + " col " + std::to_string(j));
        }
    });
    run.run("large Q8_0 tile, 2^19 + 3 rows of 4096", [&](Case &c) {
        const int64_t rows = (int64_t(1) << 19) + 3, cols = 4096, rowBytes = quantRowBytes(QuantType::Q8_0, cols);
        std::mt19937 rng(6);
        const std::vector<uint8_t> seed = randomMatrix(QuantType::Q8_0, 64, cols, rowBytes, 0, rng);
        CudaBuffer w(size_t(rows * rowBytes)), out(size_t(rows * cols) * 4);
        w.upload(seed.data(), seed.size());
        for (int64_t filled = int64_t(seed.size()); filled < rows * rowBytes; filled *= 2)
            CUDA_CHECK(cudaMemcpy(w.as<uint8_t>() + filled, w.data(), size_t(std::min(filled, rows * rowBytes - filled)),
                                  cudaMemcpyDeviceToDevice));
        launchDequantizeTile(QuantType::Q8_0, w.data(), rowBytes, cols, 0, rows, out.as<float>(), nullptr);
        std::vector<float> want(static_cast<size_t>(cols));
        for (const int64_t r : samples(rows, cols)) {
            quantTraits(QuantType::Q8_0).dequantizeRow(seed.data() + (r % 64) * rowBytes, want.data(), cols);
            const std::vector<float> got = fromDevice<float>(out, size_t(cols), size_t(r * cols));
            for (int64_t j = 0; j < cols; ++j)
                c.same(got[size_t(j)], want[size_t(j)], "row " + std::to_string(r) + " col " + std::to_string(j));
        }
    });
}

bool enoughMemory(size_t bytes)
{
    size_t freeBytes = 0, totalBytes = 0;
    return cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess && freeBytes > bytes;
}

} // namespace

int runForwardKernelChecks(std::ostream &log, const ForwardCheckOptions &options)
{
    Runner run(log);
    checkEdges(run);
    checkRmsNorm(run);
    checkElementwise(run);
    checkRope(run);
    checkDequantize(run);
    checkRouting(run);
    checkExpertMatvec(run);
    checkAttention(run);
    checkLatentAttention(run);
    if (!options.largeSizes)
        run.note("SKIP  large sizes (not asked for)");
    else if (!enoughMemory(size_t(20) << 30))
        run.note("SKIP  large sizes (less than 20 GiB of device memory free)");
    else
        checkLargeSizes(run);
    log << (run.failures() == 0 ? "ALL PASS" : std::to_string(run.failures()) + " FAILED") << std::endl;
    return run.failures();
}

int runForwardKernelChecks(std::ostream &log) { return runForwardKernelChecks(log, ForwardCheckOptions{}); }

} // namespace enclave::cuda::check
