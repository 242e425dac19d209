// The float32-activation kernels of cpu/ against the scalar reference, level by level (levels this
// CPU lacks are skipped): fused dots vs "dequantize, then dot in double" on random blocks with random
// valid scales (negative and zero included), fast dequantizers bit for bit, and a throughput print.
#include "engine/cpu/dot_f32_factored.h"
#include "engine/cpu/vec_dot.h"
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "quant_test_util.h"

#include <QElapsedTimer>
#include <QTest>

#include <cstddef>
#include <cstring>
#include <stdexcept>

using enclave::CpuKernelLevel;
using enclave::QuantType;
using enclave::quantTraits;
using namespace quant_test;

Q_DECLARE_METATYPE(enclave::CpuKernelLevel)

namespace {

// The kernels sum in float, in another order than the reference (and fold scale and min into one
// FMA); over up to 17 super-blocks the rounding stays far below this, relative to sum |w_i x_i|.
constexpr double kDotRelTol = 1e-5;
constexpr int64_t kMaxBlocks = 17;
// Throughput: a [kBenchRows, kBenchCols] matrix, best of kBenchRepeats passes.
constexpr int64_t kBenchRows = 4096;
constexpr int64_t kBenchCols = 4096;
constexpr int kBenchRepeats = 3;

const QuantType kQuantFormats[] = {
    QuantType::Q4_K, QuantType::Q6_K, QuantType::Q8_0, QuantType::Q5_K,   QuantType::Q4_0,   QuantType::Q3_K,
    QuantType::Q2_K, QuantType::Q5_0, QuantType::Q4_1, QuantType::Q5_1,   QuantType::IQ4_NL, QuantType::IQ4_XS,
    QuantType::IQ1_S, QuantType::IQ1_M, QuantType::IQ2_XXS, QuantType::IQ2_XS, QuantType::IQ2_S, QuantType::IQ3_XXS,
    QuantType::IQ3_S, QuantType::MXFP4,
};
const QuantType kOtherFormats[] = {QuantType::F32, QuantType::F16, QuantType::BF16, QuantType::F8_E4M3,
                                   QuantType::Q8_1, QuantType::Q8_K};
const CpuKernelLevel kLevels[] = {CpuKernelLevel::Scalar, CpuKernelLevel::Avx2, CpuKernelLevel::Avx512Vnni};

struct Reference {
    double dot;    // sum of w_i x_i in double, w the reference dequantization
    double absDot; // sum |w_i x_i|
};

Reference referenceDot(QuantType type, const std::vector<uint8_t> &w, const std::vector<float> &x)
{
    const std::vector<float> weights = dequantizeRow(type, w, int64_t(x.size()));
    return {dot(weights, x), absDot(weights, x)};
}

// Empty when the kernel matches the reference on rows of 1 .. kMaxBlocks blocks, else what failed.
template <typename Kernel>
QString checkDot(QuantType type, Kernel &&kernel)
{
    const int64_t blockElems = std::max<int64_t>(quantTraits(type).blockElems, 32);
    for (int64_t blocks = 1; blocks <= kMaxBlocks; ++blocks) {
        const int64_t n = blocks * blockElems;
        const uint32_t seed = uint32_t(n) * 31 + uint32_t(type);
        const std::vector<uint8_t> w = randomBlocks(type, n, seed);
        const std::vector<float> x = randomRow(n, seed + 1);
        const Reference want = referenceDot(type, w, x);
        const double got = kernel(n, w.data(), x.data());
        if (!(std::fabs(got - want.dot) <= kDotRelTol * want.absDot))
            return QStringLiteral("%1, n=%2: kernel %3, reference %4 (sum |wx| %5)")
                .arg(quantTraits(type).name).arg(n).arg(got, 0, 'g', 9).arg(want.dot, 0, 'g', 9).arg(want.absDot, 0, 'g', 9);
    }
    return {};
}

// Same for a factored kernel, given the group sums of x.
QString checkFactoredDot(QuantType type, enclave::DotF32FactoredFn kernel)
{
    return checkDot(type, [kernel](int64_t n, const void *w, const float *x) {
        std::vector<float> sums(size_t(n / enclave::kDotGroupElems));
        enclave::cpuGroupSums(x, n, sums.data());
        return kernel(n, w, x, sums.data());
    });
}

// Empty when the dequantizer matches the reference bit for bit, else the first difference.
QString checkDequantize(QuantType type, enclave::DequantizeRowFn fast)
{
    const int64_t blockElems = std::max<int64_t>(quantTraits(type).blockElems, 32);
    for (int64_t blocks = 1; blocks <= kMaxBlocks; ++blocks) {
        const int64_t n = blocks * blockElems;
        const std::vector<uint8_t> w = randomBlocks(type, n, uint32_t(n) * 17 + uint32_t(type));
        const std::vector<float> want = dequantizeRow(type, w, n);
        std::vector<float> got(size_t(n), -1.0f);
        fast(w.data(), got.data(), n);
        for (int64_t i = 0; i < n; ++i) {
            if (std::bit_cast<uint32_t>(got[size_t(i)]) != std::bit_cast<uint32_t>(want[size_t(i)]))
                return QStringLiteral("%1, n=%2, element %3: %4, reference %5")
                    .arg(quantTraits(type).name).arg(n).arg(i).arg(double(got[size_t(i)]), 0, 'g', 9)
                    .arg(double(want[size_t(i)]), 0, 'g', 9);
        }
    }
    return {};
}

void addLevelRows()
{
    QTest::addColumn<CpuKernelLevel>("level");
    for (CpuKernelLevel level : kLevels)
        QTest::newRow(enclave::cpuKernelLevelName(level)) << level;
}

// Weight bytes per second of `pass` over the benchmark matrix, best of kBenchRepeats.
template <typename Pass>
double bestGBps(int64_t bytes, Pass &&pass)
{
    double best = 0;
    for (int r = 0; r < kBenchRepeats; ++r) {
        QElapsedTimer timer;
        timer.start();
        pass();
        best = std::max(best, double(bytes) / std::max<double>(double(timer.nsecsElapsed()), 1.0));
    }
    return best;
}

} // namespace

class TestDotF32 : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { qInfo("best kernel level: %s", enclave::cpuKernelLevel()); }

    void dotMatchesReference_data() { addLevelRows(); }
    void dotMatchesReference()
    {
        QFETCH(CpuKernelLevel, level);
        if (!enclave::cpuSupports(level))
            QSKIP("this CPU lacks the level");
        int tested = 0;
        for (QuantType type : kQuantFormats) {
            if (const enclave::DotF32Fn kernel = enclave::cpuDotF32At(level, type)) {
                ++tested;
                const QString failure = checkDot(type, kernel);
                QVERIFY2(failure.isEmpty(), qPrintable(failure));
            }
        }
        QVERIFY(tested >= 5); // Q4_K, Q6_K, Q8_0, Q5_K and Q4_0 at every level
    }

    void factoredDotMatchesReference_data() { addLevelRows(); }
    void factoredDotMatchesReference()
    {
        QFETCH(CpuKernelLevel, level);
        if (!enclave::cpuSupports(level))
            QSKIP("this CPU lacks the level");
        int tested = 0;
        for (QuantType type : kQuantFormats) {
            if (const enclave::DotF32FactoredFn kernel = enclave::cpuDotF32FactoredAt(level, type)) {
                ++tested;
                const QString failure = checkFactoredDot(type, kernel);
                QVERIFY2(failure.isEmpty(), qPrintable(failure));
            }
        }
        QVERIFY(tested >= 1); // Q4_K at every level (Q6_K below AVX-512)
    }

    void dequantizeRowFastIsExact_data() { addLevelRows(); }
    void dequantizeRowFastIsExact()
    {
        QFETCH(CpuKernelLevel, level);
        if (!enclave::cpuSupports(level))
            QSKIP("this CPU lacks the level");
        for (QuantType type : kQuantFormats) {
            if (const enclave::DequantizeRowFn fast = enclave::cpuDequantizeRowFastAt(level, type)) {
                const QString failure = checkDequantize(type, fast);
                QVERIFY2(failure.isEmpty(), qPrintable(failure));
            }
        }
    }

    // What the runtime calls: the best kernel (or generic fallback) for every format.
    void dispatcher()
    {
        for (const auto &formats : {std::vector<QuantType>(std::begin(kQuantFormats), std::end(kQuantFormats)),
                                    std::vector<QuantType>(std::begin(kOtherFormats), std::end(kOtherFormats))}) {
            for (QuantType type : formats) {
                const enclave::DotF32Fn best = enclave::cpuDotF32(type);
                QVERIFY(best);
                const QString failure = checkDot(type, best);
                QVERIFY2(failure.isEmpty(), qPrintable(failure));
            }
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, enclave::cpuDotF32(QuantType(999)));
        QVERIFY(enclave::cpuDotF32At(CpuKernelLevel::Scalar, QuantType(999)) == nullptr);
        if (enclave::cpuSupports(CpuKernelLevel::Avx2)) {
            for (QuantType type : {QuantType::Q4_K, QuantType::Q6_K, QuantType::Q8_0, QuantType::Q5_K, QuantType::Q4_0})
                QVERIFY(enclave::cpuDotF32(type) != enclave::cpuDotF32At(CpuKernelLevel::Scalar, type));
        }
    }

    void dequantizeRowFastDispatch()
    {
        for (const auto &formats : {std::vector<QuantType>(std::begin(kQuantFormats), std::end(kQuantFormats)),
                                    std::vector<QuantType>(std::begin(kOtherFormats), std::end(kOtherFormats))}) {
            for (QuantType type : formats) {
                const int64_t n = 4 * std::max<int64_t>(quantTraits(type).blockElems, 32);
                const std::vector<uint8_t> w = randomBlocks(type, n, 5);
                std::vector<float> got(static_cast<size_t>(n));
                enclave::cpuDequantizeRowFast(type, w.data(), got.data(), n);
                QVERIFY2(std::memcmp(got.data(), dequantizeRow(type, w, n).data(), size_t(n) * sizeof(float)) == 0,
                         quantTraits(type).name);
            }
        }
        float out = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, enclave::cpuDequantizeRowFast(QuantType(999), nullptr, &out, 0));
    }

    // Weight GB/s of one thread over a [4096, 4096] matrix (which fits in a large L3: this measures
    // the kernels, not DRAM): fused dot, fast dequantizer, and the reference dequantize + F32 dot.
    void throughput_data() { addLevelRows(); }
    void throughput()
    {
        QFETCH(CpuKernelLevel, level);
        if (!enclave::cpuSupports(level))
            QSKIP("this CPU lacks the level");
        const std::vector<float> x = randomRow(kBenchCols, 1);
        std::vector<float> row(static_cast<size_t>(kBenchCols));
        const enclave::VecDotFn dotF32 = enclave::cpuVecDotAt(level, QuantType::F32);
        volatile float sink = 0;
        for (QuantType type : kQuantFormats) {
            const enclave::DotF32Fn fused = enclave::cpuDotF32At(level, type);
            const enclave::DequantizeRowFn fast = enclave::cpuDequantizeRowFastAt(level, type);
            const int64_t rowBytes = enclave::quantRowBytes(type, kBenchCols);
            const std::vector<uint8_t> w = randomBlocks(type, kBenchRows * kBenchCols, 7);
            const int64_t bytes = int64_t(w.size());
            auto rowAt = [&](int64_t r) { return w.data() + r * rowBytes; };
            const double fusedGBps = !fused ? 0 : bestGBps(bytes, [&] {
                for (int64_t r = 0; r < kBenchRows; ++r)
                    sink = sink + fused(kBenchCols, rowAt(r), x.data());
            });
            const double fastGBps = !fast ? 0 : bestGBps(bytes, [&] {
                for (int64_t r = 0; r < kBenchRows; ++r)
                    fast(rowAt(r), row.data(), kBenchCols);
            });
            const enclave::DotF32FactoredFn factored = enclave::cpuDotF32FactoredAt(level, type);
            std::vector<float> sums(size_t(kBenchCols / enclave::kDotGroupElems));
            enclave::cpuGroupSums(x.data(), kBenchCols, sums.data());
            const double factoredGBps = !factored ? 0 : bestGBps(bytes, [&] {
                for (int64_t r = 0; r < kBenchRows; ++r)
                    sink = sink + factored(kBenchCols, rowAt(r), x.data(), sums.data());
            });
            const double referenceGBps = bestGBps(bytes, [&] {
                for (int64_t r = 0; r < kBenchRows; ++r) {
                    enclave::cpuDequantizeRow(type, rowAt(r), row.data(), kBenchCols);
                    sink = sink + dotF32(kBenchCols, row.data(), x.data());
                }
            });
            qInfo("%-10s %-6s fused dot %6.2f GB/s   factored dot %6.2f GB/s   dequantize %6.2f GB/s   reference "
                  "dequantize + dot %6.2f GB/s",
                  enclave::cpuKernelLevelName(level), quantTraits(type).name, fusedGBps, factoredGBps, fastGBps,
                  referenceGBps);
        }
    }
};

QTEST_APPLESS_MAIN(TestDotF32)
#include "tst_dot_f32.moc"
