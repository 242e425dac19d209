// Runner building blocks. Each weight row is read once per matmul whatever the number of
// tokens: for a few tokens (decode) quantised rows are dotted straight from their blocks, for
// more a panel of rows is dequantised into a per-thread buffer and multiplied into every token by
// the GEMM micro-kernel (a block of depth at a time, so the panel stays in the core's caches).
#include "engine/runtime/ops.h"

#include "engine/cpu/dot_f32_factored.h"
#include "engine/cpu/gemm_f32.h"
#include "engine/cpu/gemm_q8.h"
#include "engine/cpu/softmax.h"
#include "engine/cpu/thread_pool.h"
#include "engine/cpu/vec_dot.h"
#include "engine/quant/traits.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

namespace enclave {

void dequantizeMatrixRow(const Matrix &w, int64_t r, float *out) { dequantizeMatrixRowRange(w, r, 0, w.cols, out); }

void dequantizeMatrixRowRange(const Matrix &w, int64_t r, int64_t first, int64_t count, float *out)
{
    const QuantTraits &t = quantTraits(w.type);
    cpuDequantizeRowFast(w.type, w.row(r) + first / t.blockElems * t.blockBytes, out, count);
    if (!w.blockScales)
        return;
    const int64_t scaleCols = (w.cols + w.scaleBlock - 1) / w.scaleBlock;
    const float *scales = w.blockScales + (r / w.scaleBlock) * scaleCols;
    for (int64_t c = 0; c < count; ++c)
        out[c] *= scales[(first + c) / w.scaleBlock];
}

namespace {

// Up to this many tokens a quantised row is dotted straight from its blocks: dequantising it
// first only pays off when many tokens reuse the float row.
constexpr int64_t kFusedDotMaxTokens = 4;
// Multiply-adds per parallel chunk: small enough that a decode step spreads a matrix over every
// worker, large enough that the dispatch cost vanishes.
constexpr int64_t kChunkMultiplyAdds = int64_t(1) << 18;
// Tasks per worker a batch is cut into: enough that a descheduled thread does not stall the rest.
constexpr int64_t kTasksPerWorker = 16;

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

// Depth of one GEMM step: a multiple of every block size (1, 32, 256), and small enough that a
// panel (kGemmPanelRows × kGemmDepth floats) and its dequantised rows stay in the core's L2.
constexpr int64_t kGemmDepth = 256;

// One matmul ready to compute any range of its work items: the choice of kernel, and the
// activations already quantised when the fast path applies. An item is a row, or a panel of
// kGemmPanelRows rows for the GEMM. Every item is computed the same way whichever range (and
// batch) it falls in, so batching changes no result.
struct PreparedMatmul {
    const MatmulJob *job = nullptr;
    bool quantized = false;
    bool gemm = false;
    bool gemmQ8 = false; // fast precision: 8-bit activations, VNNI
    std::shared_ptr<const Q8Activations> q8;
    std::shared_ptr<const std::vector<uint8_t>> activations; // quantized: [n, actBytes]
    QuantType dotType = QuantType::F32;
    int64_t actBytes = 0;
    VecDotFn quantDot = nullptr;
    DotF32Fn dotRow = nullptr;
    DotF32FactoredFn dotFactored = nullptr;                // few tokens, formats with a factored kernel
    std::shared_ptr<const std::vector<float>> groupSums; // [n, cols / kDotGroupElems] for dotFactored

    int64_t itemRows() const { return gemm ? kGemmPanelRows : gemmQ8 ? kGemmQ8PanelRows : 1; }
    int64_t items() const { return (job->w->rows + itemRows() - 1) / itemRows(); }
};

// An earlier job of the batch with the same activations (q, k and v share theirs, and so do an
// expert's gate and up) whose prepared form `usable` accepts, for this one to reuse; nullptr if none.
template <typename Usable>
const PreparedMatmul *sameActivations(const MatmulJob &job, std::span<const PreparedMatmul> earlier, Usable usable)
{
    for (const PreparedMatmul &e : earlier)
        if (e.job->x == job.x && e.job->n == job.n && e.job->w->cols == job.w->cols && usable(e))
            return &e;
    return nullptr;
}

PreparedMatmul prepare(const MatmulJob &job, MatmulPrecision precision, std::span<const PreparedMatmul> earlier)
{
    const Matrix &w = *job.w;
    PreparedMatmul p;
    p.job = &job;
    p.quantized = quantizedDotApplies(w, job.n, precision);
    if (p.quantized) {
        p.dotType = quantTraits(w.type).dotType;
        p.actBytes = quantRowBytes(p.dotType, w.cols);
        p.quantDot = cpuVecDot(w.type);
        if (const PreparedMatmul *same = sameActivations(
                job, earlier, [&](const PreparedMatmul &e) { return e.quantized && e.dotType == p.dotType; })) {
            p.activations = same->activations;
            return p;
        }
        auto activations = std::make_shared<std::vector<uint8_t>>(size_t(job.n * p.actBytes));
        const QuantizeRowFn quantize = cpuQuantizeActivations(p.dotType);
        for (int64_t t = 0; t < job.n; ++t)
            quantize(job.x + t * w.cols, activations->data() + t * p.actBytes, w.cols);
        p.activations = std::move(activations);
        return p;
    }
    if (!w.blockScales && job.n <= kFusedDotMaxTokens) { // rows dotted straight from their blocks
        p.dotFactored = cpuDotF32Factored(w.type);
        if (!p.dotFactored) {
            p.dotRow = cpuDotF32(w.type);
            return p;
        }
        if (const PreparedMatmul *same =
                sameActivations(job, earlier, [](const PreparedMatmul &e) { return e.groupSums != nullptr; })) {
            p.groupSums = same->groupSums;
            return p;
        }
        const int64_t groups = w.cols / kDotGroupElems;
        auto sums = std::make_shared<std::vector<float>>(size_t(job.n * groups));
        for (int64_t t = 0; t < job.n; ++t)
            cpuGroupSums(job.x + t * w.cols, w.cols, sums->data() + t * groups);
        p.groupSums = std::move(sums);
        return p;
    }
    if (precision == MatmulPrecision::Fast && !w.blockScales && w.cols % kGemmQ8Depth == 0 &&
        cpuGemmQ8Supports(w.type)) {
        p.gemmQ8 = true;
        if (const PreparedMatmul *same = sameActivations(job, earlier, [](const PreparedMatmul &e) { return e.gemmQ8; })) {
            p.q8 = same->q8;
            return p;
        }
        auto q8 = std::make_shared<Q8Activations>();
        quantizeActivationsQ8(job.x, job.n, w.cols, *q8);
        p.q8 = std::move(q8);
        return p;
    }
    if (kGemmDepth % quantBlockElems(w.type) != 0)
        throw std::invalid_argument("matmul: blocks of " + std::string(quantTypeName(w.type)) +
                                    " do not divide the GEMM depth");
    p.gemm = true;
    return p;
}

// Rows [r0, r0 + kGemmPanelRows) of the job, clipped at its last row, for every token.
void computePanel(const PreparedMatmul &p, int64_t r0)
{
    const Matrix &w = *p.job->w;
    const int valid = int(std::min<int64_t>(kGemmPanelRows, w.rows - r0));
    const GemmF32Kernels &gemm = cpuGemmF32();
    thread_local std::vector<float> rows, panel;
    rows.resize(size_t(kGemmPanelRows * kGemmDepth));
    panel.resize(size_t(kGemmPanelRows * kGemmDepth));
    for (int64_t k0 = 0; k0 < w.cols; k0 += kGemmDepth) {
        const int64_t depth = std::min(kGemmDepth, w.cols - k0);
        for (int i = 0; i < valid; ++i)
            dequantizeMatrixRowRange(w, r0 + i, k0, depth, rows.data() + i * kGemmDepth);
        gemm.pack(rows.data(), kGemmDepth, valid, depth, panel.data());
        gemm.multiply(panel.data(), depth, p.job->x + k0, w.cols, p.job->n, p.job->y + r0, w.rows, valid, k0 > 0);
    }
}

// computePanel for the fast 8-bit GEMM.
void computePanelQ8(const PreparedMatmul &p, int64_t r0)
{
    const Matrix &w = *p.job->w;
    const int valid = int(std::min<int64_t>(kGemmQ8PanelRows, w.rows - r0));
    thread_local Q8Panel panel;
    const uint8_t *rows[kGemmQ8PanelRows];
    for (int i = 0; i < valid; ++i)
        rows[i] = w.row(r0 + i);
    for (int64_t k0 = 0; k0 < w.cols; k0 += kGemmQ8Depth) {
        packQ8Panel(w.type, rows, valid, k0, kGemmQ8Depth, panel);
        multiplyQ8Panel(panel, *p.q8, k0, p.job->n, p.job->y + r0, w.rows, valid, k0 > 0);
    }
}

void computeItems(const PreparedMatmul &p, int64_t begin, int64_t end)
{
    const Matrix &w = *p.job->w;
    const float *x = p.job->x;
    float *y = p.job->y;
    const int64_t n = p.job->n;
    if (p.gemm) {
        for (int64_t i = begin; i < end; ++i)
            computePanel(p, i * kGemmPanelRows);
        return;
    }
    if (p.gemmQ8) {
        for (int64_t i = begin; i < end; ++i)
            computePanelQ8(p, i * kGemmQ8PanelRows);
        return;
    }
    if (p.quantized) {
        for (int64_t r = begin; r < end; ++r)
            for (int64_t t = 0; t < n; ++t)
                y[t * w.rows + r] = p.quantDot(w.cols, w.row(r), p.activations->data() + t * p.actBytes);
        return;
    }
    if (p.dotFactored) {
        const int64_t groups = w.cols / kDotGroupElems;
        for (int64_t r = begin; r < end; ++r)
            for (int64_t t = 0; t < n; ++t)
                y[t * w.rows + r] = p.dotFactored(w.cols, w.row(r), x + t * w.cols, p.groupSums->data() + t * groups);
        return;
    }
    for (int64_t r = begin; r < end; ++r) // rows dotted straight from their blocks
        for (int64_t t = 0; t < n; ++t)
            y[t * w.rows + r] = p.dotRow(w.cols, w.row(r), x + t * w.cols);
}

} // namespace

void matmul(const Matrix &w, const float *x, int64_t n, float *y, ThreadPool &pool, MatmulPrecision precision)
{
    const MatmulJob job{&w, x, n, y};
    matmulBatch(std::span(&job, 1), pool, precision);
}

void matmulBatch(std::span<const MatmulJob> jobs, ThreadPool &pool, MatmulPrecision precision)
{
    // Items differ in cost by orders of magnitude (a panel of 32 rows for 300 tokens, a single row
    // for one token), and the pool splits a range into chunks of equal length. So the work is cut
    // into tasks of about equal multiply-adds first (never across jobs), then the tasks are spread.
    std::vector<PreparedMatmul> prepared;
    int64_t work = 0;
    for (const MatmulJob &job : jobs) {
        prepared.push_back(prepare(job, precision, prepared));
        work += job.w->rows * job.w->cols * job.n;
    }
    const int64_t target = std::max(kChunkMultiplyAdds, work / (int64_t(pool.size()) * kTasksPerWorker));
    struct Task {
        size_t job;
        int64_t begin, end; // items
    };
    std::vector<Task> tasks;
    for (size_t j = 0; j < prepared.size(); ++j) {
        const PreparedMatmul &p = prepared[j];
        const int64_t itemWork = std::max<int64_t>(1, p.itemRows() * p.job->w->cols * p.job->n);
        const int64_t perTask = std::max<int64_t>(1, target / itemWork);
        for (int64_t begin = 0; begin < p.items(); begin += perTask)
            tasks.push_back({j, begin, std::min(p.items(), begin + perTask)});
    }
    pool.parallelFor(int64_t(tasks.size()), [&](int64_t begin, int64_t end, int) {
        for (int64_t t = begin; t < end; ++t)
            computeItems(prepared[tasks[size_t(t)].job], tasks[size_t(t)].begin, tasks[size_t(t)].end);
    });
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
        out[i] = weight ? x[i] * scale * weight[i] : x[i] * scale;
}

void rmsNormRows(float *x, const float *weight, int64_t count, int64_t n, int64_t stride, float eps)
{
    for (int64_t i = 0; i < count; ++i)
        rmsNorm(x + i * stride, weight, x + i * stride, n, eps);
}

void softmax(float *x, int64_t n)
{
    static const SoftmaxFn kernel = cpuSoftmax();
    kernel(x, n);
}

void softmaxWithSink(float *x, int64_t n, float sink)
{
    float peak = sink;
    for (int64_t i = 0; i < n; ++i)
        peak = std::max(peak, x[i]);
    double sum = std::exp(double(sink) - double(peak));
    for (int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - peak);
        sum += double(x[i]);
    }
    const float inv = float(1.0 / sum);
    for (int64_t i = 0; i < n; ++i)
        x[i] *= inv;
}

void clampedSwiglu(const float *gate, const float *up, float *out, int64_t n, float alpha, float limit)
{
    for (int64_t i = 0; i < n; ++i) {
        const float g = std::min(gate[i], limit);
        const float u = std::clamp(up[i], -limit, limit);
        out[i] = g / (1.0f + std::exp(-alpha * g)) * (u + 1.0f);
    }
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
