// Every SIMD kernel of cpu/ against the scalar reference of quant/, level by level (levels this CPU
// lacks are skipped): dot products on random rows of many lengths within a relative error limit,
// activation quantizers byte for byte, and the dispatcher's choices.
#include "engine/cpu/vec_dot.h"
#include "engine/quant/float_convert.h"
#include "quant_test_util.h"

#include <QTest>

#include <cstring>
#include <stdexcept>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

using enclave::CpuKernelLevel;
using enclave::QuantType;
using enclave::quantTraits;
using namespace quant_test;

Q_DECLARE_METATYPE(enclave::CpuKernelLevel)

namespace {

// SIMD and scalar sum the same exact integer partials (quantized formats) or the same products
// (float formats) in a different order and precision; f32 accumulation over up to ~4k terms stays
// well within this bound relative to sum |w_i a_i|.
constexpr double kDotRelTol = 2e-5;

const int64_t kBlockCounts[] = {1, 2, 3, 4, 7, 8, 16, 33};
const int64_t kFloatLengths[] = {1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100, 1000, 4099};

const CpuKernelLevel kSimdLevels[] = {CpuKernelLevel::Avx2, CpuKernelLevel::Avx512Vnni};

std::vector<uint8_t> weightRow(QuantType type, int64_t n, uint32_t seed)
{
    // Formats without a quantizer (F8_E4M3, the IQ codebooks): random valid blocks.
    return quantTraits(type).quantizeRow ? quantizeRow(type, randomRow(n, seed)) : randomBlocks(type, n, seed);
}

void addLevelRows()
{
    QTest::addColumn<CpuKernelLevel>("level");
    for (CpuKernelLevel level : kSimdLevels)
        QTest::newRow(enclave::cpuKernelLevelName(level)) << level;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("f16c"))) uint16_t hardwareHalf(float f)
{
    return uint16_t(_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), 0));
}
#endif

} // namespace

class TestCpuKernels : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { qInfo("best kernel level: %s", enclave::cpuKernelLevel()); }

    void vecDotMatchesReference_data() { addLevelRows(); }
    void vecDotMatchesReference()
    {
        QFETCH(CpuKernelLevel, level);
        if (!enclave::cpuSupports(level))
            QSKIP("this CPU lacks the level");
        int tested = 0;
        for (QuantType type : allFormats()) {
            const enclave::VecDotFn kernel = enclave::cpuVecDotAt(level, type);
            if (!kernel)
                continue;
            ++tested;
            const enclave::QuantTraits &t = quantTraits(type);
            std::vector<int64_t> lengths;
            if (t.blockElems == 1)
                lengths.assign(std::begin(kFloatLengths), std::end(kFloatLengths));
            for (int64_t blocks : kBlockCounts) {
                if (t.blockElems > 1)
                    lengths.push_back(blocks * t.blockElems);
            }
            for (int64_t n : lengths) {
                const std::vector<uint8_t> w = weightRow(type, n, uint32_t(n) * 7 + uint32_t(type));
                const std::vector<uint8_t> a = activationBytes(t.dotType, randomRow(n, uint32_t(n) + 99));
                const double want = t.vecDot(n, w.data(), a.data());
                const double got = kernel(n, w.data(), a.data());
                const double tol = kDotRelTol * absDot(dequantizeRow(type, w, n), dequantizeRow(t.dotType, a, n));
                if (!(std::fabs(got - want) <= tol))
                    QFAIL(qPrintable(QStringLiteral("%1, n=%2: kernel %3, reference %4")
                                         .arg(t.name).arg(n).arg(got, 0, 'g', 9).arg(want, 0, 'g', 9)));
            }
        }
        QVERIFY(tested > 0);
    }

    // The int8 activations of Q8_K may reach +-127 on both sides; the kernels must stay exact there.
    void vecDotExtremeActivations_data() { addLevelRows(); }
    void vecDotExtremeActivations()
    {
        QFETCH(CpuKernelLevel, level);
        if (!enclave::cpuSupports(level))
            QSKIP("this CPU lacks the level");
        const int64_t n = 512;
        std::vector<float> extreme(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
            extreme[size_t(i)] = (i % 3 == 0) ? 1.0f : -1.0f;
        for (QuantType type : allFormats()) {
            const enclave::VecDotFn kernel = enclave::cpuVecDotAt(level, type);
            const enclave::QuantTraits &t = quantTraits(type);
            if (!kernel || t.blockElems == 1 || !t.quantizeRow)
                continue;
            const std::vector<uint8_t> w = quantizeRow(type, extreme), a = activationBytes(t.dotType, extreme);
            const double want = t.vecDot(n, w.data(), a.data());
            QVERIFY2(std::fabs(kernel(n, w.data(), a.data()) - want) <= kDotRelTol * std::fabs(want), t.name);
        }
    }

    void activationQuantizersAreExact_data() { addLevelRows(); }
    void activationQuantizersAreExact()
    {
        QFETCH(CpuKernelLevel, level);
        if (!enclave::cpuSupports(level))
            QSKIP("this CPU lacks the level");
        for (QuantType type : {QuantType::Q8_0, QuantType::Q8_K}) {
            const enclave::QuantizeRowFn fast = enclave::cpuQuantizeActivationsAt(level, type);
            if (!fast)
                continue;
            for (int64_t blocks : kBlockCounts) {
                const int64_t n = blocks * quantTraits(type).blockElems;
                std::vector<float> x = randomRow(n, uint32_t(n), 3.0f);
                if (blocks == 2) { // exact ties after scaling: a block with peak 127 has id = 1
                    for (int64_t i = 0; i < n; ++i)
                        x[size_t(i)] = (i % 5 == 0) ? 127.0f : float(i % 7) - 2.5f;
                }
                if (blocks == 3)
                    std::fill(x.begin(), x.begin() + quantTraits(type).blockElems, 0.0f);
                const std::vector<uint8_t> want = quantizeRow(type, x);
                std::vector<uint8_t> got(want.size());
                fast(x.data(), got.data(), n);
                QVERIFY2(got == want, quantTraits(type).name);
            }
        }
    }

    void dispatcher()
    {
        const QString level = QString::fromLatin1(enclave::cpuKernelLevel());
        QVERIFY(level == "avx512vnni" || level == "avx2" || level == "scalar");
        QVERIFY(enclave::cpuSupports(CpuKernelLevel::Scalar));
        for (QuantType type : allFormats()) {
            QVERIFY(enclave::cpuVecDot(type));
            QVERIFY(enclave::cpuVecDotAt(CpuKernelLevel::Scalar, type) == quantTraits(type).vecDot);
            if (quantTraits(type).dotType != QuantType::F32)
                QVERIFY(enclave::cpuQuantizeActivations(quantTraits(type).dotType));
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, enclave::cpuVecDot(QuantType(999)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, enclave::cpuQuantizeActivations(QuantType::F8_E4M3));
        if (enclave::cpuSupports(CpuKernelLevel::Avx2)) {
            for (QuantType type : {QuantType::Q4_0, QuantType::Q8_0, QuantType::Q4_K, QuantType::Q5_K,
                                   QuantType::Q6_K, QuantType::F32, QuantType::F16, QuantType::BF16})
                QVERIFY(enclave::cpuVecDot(type) != quantTraits(type).vecDot);
        }
    }

    void dequantizeRowMatchesTable()
    {
        const int64_t n = 512;
        for (QuantType type : allFormats()) {
            const std::vector<uint8_t> w = weightRow(type, n, 3);
            std::vector<float> got(static_cast<size_t>(n));
            enclave::cpuDequantizeRow(type, w.data(), got.data(), n);
            QCOMPARE(got, dequantizeRow(type, w, n));
        }
    }

    // The scalar f32 -> f16 rounding agrees with the F16C instruction on random bit patterns.
    void halfConversionMatchesF16c()
    {
#if defined(__x86_64__) || defined(__i386__)
        if (!enclave::cpuSupports(CpuKernelLevel::Avx2)) // the AVX2 level implies F16C
            QSKIP("no F16C");
        std::mt19937 rng(42);
        for (int i = 0; i < 1 << 20; ++i) {
            const float f = std::bit_cast<float>(uint32_t(rng()));
            if (std::isnan(f))
                continue;
            if (enclave::fp32ToFp16(f) != hardwareHalf(f))
                QFAIL(qPrintable(QStringLiteral("%1").arg(double(f), 0, 'g', 9)));
        }
#else
        QSKIP("x86 only");
#endif
    }
};

QTEST_APPLESS_MAIN(TestCpuKernels)
#include "tst_cpu_kernels.moc"
