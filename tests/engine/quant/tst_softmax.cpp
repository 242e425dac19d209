// cpuSoftmax at every level this CPU runs against the scalar reference (std::exp, double sum):
// within a few ulp on rows of every length around the vector widths, over the whole range of
// inputs that do not underflow, with -inf giving 0 and NaN propagating.
#include "engine/cpu/softmax.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using enclave::CpuKernelLevel;

class TestSoftmax : public QObject {
    Q_OBJECT

private slots:
    void matchesReference()
    {
        const enclave::SoftmaxFn reference = enclave::cpuSoftmaxAt(CpuKernelLevel::Scalar);
        std::mt19937 rng(3);
        for (CpuKernelLevel level : {CpuKernelLevel::Avx2, CpuKernelLevel::Avx512Vnni}) {
            const enclave::SoftmaxFn fn = enclave::cpuSoftmaxAt(level);
            if (!enclave::cpuSupports(level) || !fn)
                continue;
            for (float spread : {0.1f, 5.0f, 40.0f}) {
                std::normal_distribution<float> normal(0.0f, spread);
                for (int64_t n : {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 100, 513}) {
                    std::vector<float> x(static_cast<size_t>(n));
                    for (float &v : x)
                        v = normal(rng);
                    std::vector<float> want = x, got = x;
                    reference(want.data(), n);
                    fn(got.data(), n);
                    double total = 0.0;
                    for (int64_t i = 0; i < n; ++i) {
                        const float w = want[size_t(i)], g = got[size_t(i)];
                        total += g;
                        // 4 ulp relative, or absolutely tiny (beyond float's normal range)
                        QVERIFY2(std::fabs(g - w) <= 4.8e-7f * w || std::fabs(g - w) < 1e-37f,
                                 qPrintable(QString("%1, n %2, spread %3, element %4: %5 vs %6")
                                                .arg(enclave::cpuKernelLevelName(level)).arg(n).arg(double(spread))
                                                .arg(i).arg(double(g), 0, 'g', 9).arg(double(w), 0, 'g', 9)));
                    }
                    QVERIFY(std::fabs(total - 1.0) < 1e-5);
                }
            }
            // Masked positions (-inf) get 0; far below the maximum underflows to 0; NaN propagates.
            std::vector<float> x = {0.0f, -std::numeric_limits<float>::infinity(), -200.0f, 1.0f, -90.0f};
            for (int i = 0; i < 20; ++i)
                x.push_back(-std::numeric_limits<float>::infinity());
            fn(x.data(), int64_t(x.size()));
            QCOMPARE(x[1], 0.0f);
            QCOMPARE(x[2], 0.0f);
            QVERIFY(x[4] > 0.0f && x[4] < 1e-38f);
            QVERIFY(std::fabs(x[0] + x[3] - 1.0f) < 1e-6f);
            std::vector<float> bad = {0.0f, std::numeric_limits<float>::quiet_NaN(), 1.0f};
            fn(bad.data(), 3);
            QVERIFY(std::isnan(bad[1]));
        }
    }
};

QTEST_APPLESS_MAIN(TestSoftmax)
#include "tst_softmax.moc"
