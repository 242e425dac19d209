// The GEMM kernels of cpu/ against a double-precision reference, level by level (levels this CPU
// lacks are skipped): packing bit for bit against the portable packer, and multiplication for
// every token count up to two micro-tiles and every partial panel, with and without accumulation.
// Ends with a throughput print (GFLOP/s), never asserted.
#include "engine/cpu/gemm_f32.h"

#include <QElapsedTimer>
#include <QTest>

#include <cmath>
#include <random>
#include <vector>

using enclave::CpuKernelLevel;
using enclave::GemmF32Kernels;
using enclave::kGemmPanelRows;

Q_DECLARE_METATYPE(enclave::CpuKernelLevel)

namespace {

constexpr double kRelTol = 1e-5; // relative to sum |w x|: float sums in another order

std::vector<float> randomValues(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> v(n);
    for (float &x : v)
        x = normal(rng);
    return v;
}

} // namespace

class TestGemmF32 : public QObject {
    Q_OBJECT

private:
    const GemmF32Kernels *kernelsOrSkip(CpuKernelLevel level)
    {
        if (!enclave::cpuSupports(level))
            return nullptr;
        return enclave::cpuGemmF32At(level);
    }

private slots:
    void levels_data()
    {
        QTest::addColumn<CpuKernelLevel>("level");
        QTest::newRow("scalar") << CpuKernelLevel::Scalar;
        QTest::newRow("avx2") << CpuKernelLevel::Avx2;
        QTest::newRow("avx512") << CpuKernelLevel::Avx512Vnni;
    }

    void packMatchesPortable_data() { levels_data(); }
    void packMatchesPortable()
    {
        QFETCH(CpuKernelLevel, level);
        const GemmF32Kernels *k = kernelsOrSkip(level);
        if (!k)
            QSKIP("this CPU lacks the level");
        const GemmF32Kernels *portable = enclave::cpuGemmF32At(CpuKernelLevel::Scalar);
        for (int64_t depth : {1, 15, 16, 17, 32, 256, 301}) {
            for (int valid : {1, 7, 16, 17, 31, 32}) {
                const int64_t ld = depth + 3;
                const std::vector<float> rows = randomValues(size_t(kGemmPanelRows * ld), uint32_t(depth * 100 + valid));
                std::vector<float> expected(size_t(depth * kGemmPanelRows), -1.0f);
                std::vector<float> actual(expected.size(), -2.0f);
                portable->pack(rows.data(), ld, valid, depth, expected.data());
                k->pack(rows.data(), ld, valid, depth, actual.data());
                QVERIFY2(expected == actual, qPrintable(QString("depth %1, %2 valid rows").arg(depth).arg(valid)));
            }
        }
    }

    void multiplyMatchesReference_data() { levels_data(); }
    void multiplyMatchesReference()
    {
        QFETCH(CpuKernelLevel, level);
        const GemmF32Kernels *k = kernelsOrSkip(level);
        if (!k)
            QSKIP("this CPU lacks the level");
        for (int64_t depth : {1, 16, 33, 256}) {
            for (int valid : {1, 16, 20, 32}) {
                for (int64_t n = 1; n <= 13; ++n) {
                    for (bool accumulate : {false, true}) {
                        const uint32_t seed = uint32_t(depth * 1000 + valid * 20 + n);
                        const std::vector<float> panel = randomValues(size_t(depth * kGemmPanelRows), seed);
                        const int64_t ldx = depth + 5, ldy = kGemmPanelRows + 3;
                        const std::vector<float> x = randomValues(size_t(n * ldx), seed + 1);
                        const std::vector<float> y0 = randomValues(size_t(n * ldy), seed + 2);
                        std::vector<float> y = y0;
                        k->multiply(panel.data(), depth, x.data(), ldx, n, y.data(), ldy, valid, accumulate);
                        for (int64_t t = 0; t < n; ++t) {
                            for (int i = 0; i < kGemmPanelRows + 3; ++i) {
                                const size_t at = size_t(t * ldy + i);
                                if (i >= valid) {
                                    QCOMPARE(y[at], y0[at]); // rows outside the panel's valid ones untouched
                                    continue;
                                }
                                double sum = accumulate ? double(y0[at]) : 0.0, magnitude = std::fabs(sum);
                                for (int64_t c = 0; c < depth; ++c) {
                                    const double p = double(panel[size_t(c * kGemmPanelRows + i)]) * x[size_t(t * ldx + c)];
                                    sum += p;
                                    magnitude += std::fabs(p);
                                }
                                QVERIFY2(std::fabs(y[at] - sum) <= kRelTol * magnitude + 1e-30,
                                         qPrintable(QString("depth %1, valid %2, n %3, token %4, row %5: %6 vs %7")
                                                        .arg(depth).arg(valid).arg(n).arg(t).arg(i)
                                                        .arg(double(y[at])).arg(sum)));
                            }
                        }
                    }
                }
            }
        }
    }

    // GFLOP/s of pack + multiply over a [1024 x 2048] matrix and 64 tokens, printed per level.
    void throughput_data() { levels_data(); }
    void throughput()
    {
        QFETCH(CpuKernelLevel, level);
        const GemmF32Kernels *k = kernelsOrSkip(level);
        if (!k)
            QSKIP("this CPU lacks the level");
        constexpr int64_t rows = 1024, depth = 256, cols = 2048, n = 64;
        const std::vector<float> w = randomValues(size_t(rows * cols), 1), x = randomValues(size_t(n * cols), 2);
        std::vector<float> y(size_t(n * rows)), panel(size_t(depth * kGemmPanelRows));
        double best = 1e30;
        for (int repeat = 0; repeat < 3; ++repeat) {
            QElapsedTimer timer;
            timer.start();
            for (int64_t r0 = 0; r0 < rows; r0 += kGemmPanelRows)
                for (int64_t k0 = 0; k0 < cols; k0 += depth) {
                    k->pack(w.data() + r0 * cols + k0, cols, kGemmPanelRows, depth, panel.data());
                    k->multiply(panel.data(), depth, x.data() + k0, cols, n, y.data() + r0, rows, kGemmPanelRows, k0 > 0);
                }
            best = std::min(best, double(timer.nsecsElapsed()) * 1e-9);
        }
        qInfo("%s: %.1f GFLOP/s (one thread, %lld tokens)", enclave::cpuKernelLevelName(level),
              2.0 * rows * cols * n / best * 1e-9, (long long)n);
    }
};

QTEST_APPLESS_MAIN(TestGemmF32)
#include "tst_gemm_f32.moc"
