// cpuWeightedRowSum at every level this CPU runs: the same bits as the portable kernel (same FMA
// order over the rows) for widths around every vector and block size, with a row stride wider
// than the width, and close to a double-precision sum. cpuRowDots at every level: close to a
// double-precision dot for the same shapes.
#include "engine/cpu/row_sum.h"

#include <QTest>

#include <cmath>
#include <random>
#include <vector>

using enclave::CpuKernelLevel;

class TestRowSum : public QObject {
    Q_OBJECT

private slots:
    void everyLevelMatchesPortable()
    {
        const enclave::WeightedRowSumFn portable = enclave::cpuWeightedRowSumAt(CpuKernelLevel::Scalar);
        std::mt19937 rng(7);
        std::normal_distribution<float> normal;
        for (CpuKernelLevel level : {CpuKernelLevel::Avx2, CpuKernelLevel::Avx512Vnni}) {
            const enclave::WeightedRowSumFn fn = enclave::cpuWeightedRowSumAt(level);
            if (!enclave::cpuSupports(level) || !fn)
                continue;
            for (int64_t width : {1, 7, 8, 16, 31, 64, 65, 128, 130, 512}) {
                for (int64_t count : {1, 2, 33, 300}) {
                    const int64_t stride = width + 9;
                    std::vector<float> rows(size_t(count * stride));
                    std::vector<float> weights(static_cast<size_t>(count));
                    for (float &v : rows)
                        v = normal(rng);
                    for (float &v : weights)
                        v = normal(rng);
                    std::vector<float> expected(size_t(width), -1.0f), actual(size_t(width), -2.0f);
                    portable(weights.data(), count, rows.data(), stride, width, expected.data());
                    fn(weights.data(), count, rows.data(), stride, width, actual.data());
                    QVERIFY2(expected == actual, qPrintable(QString("%1: width %2, %3 rows")
                                                                .arg(enclave::cpuKernelLevelName(level))
                                                                .arg(width).arg(count)));
                    for (int64_t d = 0; d < width; ++d) {
                        double sum = 0.0, magnitude = 0.0;
                        for (int64_t j = 0; j < count; ++j) {
                            sum += double(weights[size_t(j)]) * rows[size_t(j * stride + d)];
                            magnitude += std::fabs(double(weights[size_t(j)]) * rows[size_t(j * stride + d)]);
                        }
                        QVERIFY(std::fabs(expected[size_t(d)] - sum) <= 1e-5 * magnitude);
                    }
                }
            }
        }
    }

    void rowDotsMatchDouble()
    {
        std::mt19937 rng(11);
        std::normal_distribution<float> normal;
        for (CpuKernelLevel level : {CpuKernelLevel::Scalar, CpuKernelLevel::Avx2, CpuKernelLevel::Avx512Vnni}) {
            const enclave::RowDotsFn fn = enclave::cpuRowDotsAt(level);
            if (!enclave::cpuSupports(level) || !fn)
                continue;
            for (int64_t width : {1, 7, 8, 16, 31, 64, 65, 128, 130, 576}) {
                for (int64_t count : {1, 2, 3, 33, 300}) {
                    const int64_t stride = width + 5;
                    std::vector<float> rows(size_t(count * stride));
                    std::vector<float> x(static_cast<size_t>(width));
                    for (float &v : rows)
                        v = normal(rng);
                    for (float &v : x)
                        v = normal(rng);
                    std::vector<float> out(size_t(count), -1.0f);
                    fn(rows.data(), count, stride, x.data(), width, out.data());
                    for (int64_t j = 0; j < count; ++j) {
                        double sum = 0.0, magnitude = 0.0;
                        for (int64_t d = 0; d < width; ++d) {
                            const double p = double(rows[size_t(j * stride + d)]) * x[size_t(d)];
                            sum += p;
                            magnitude += std::fabs(p);
                        }
                        QVERIFY2(std::fabs(out[size_t(j)] - sum) <= 1e-5 * magnitude,
                                 qPrintable(QString("%1: width %2, row %3 of %4")
                                                .arg(enclave::cpuKernelLevelName(level)).arg(width).arg(j).arg(count)));
                    }
                }
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestRowSum)
#include "tst_row_sum.moc"
