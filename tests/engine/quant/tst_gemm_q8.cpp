// The fast-precision GEMM (8-bit activations, VNNI) against a double-precision reference: the
// reference dequantization of the weights times the dequantized Q8_0 activations, for every format,
// panels of 1 to 32 valid rows, 1 to 9 tokens and two depths, with and without accumulation. On a
// CPU without AVX-512 VNNI it checks that nothing claims support. Ends with a GOPS print.
#include "engine/cpu/gemm_q8.h"
#include "engine/cpu/vec_dot.h"
#include "engine/quant/float_convert.h"
#include "quant_test_util.h"

#include <QElapsedTimer>
#include <QTest>

#include <cmath>

using enclave::QuantType;
using namespace quant_test;

namespace {

constexpr double kRelTol = 1e-5; // relative to Σ |w x|: float scales and sums in another order
const QuantType kFormats[] = {QuantType::Q4_K, QuantType::Q6_K, QuantType::Q4_0, QuantType::Q8_0};

} // namespace

class TestGemmQ8 : public QObject {
    Q_OBJECT

private slots:
    void support()
    {
        const bool vnni = enclave::cpuSupports(enclave::CpuKernelLevel::Avx512Vnni);
        for (QuantType type : kFormats)
            QCOMPARE(enclave::cpuGemmQ8Supports(type), vnni);
        QVERIFY(!enclave::cpuGemmQ8Supports(QuantType::Q5_K)); // no unpacker: runs the exact GEMM
        QVERIFY(!enclave::cpuGemmQ8Supports(QuantType::F32));
    }

    void matchesReference_data()
    {
        QTest::addColumn<QuantType>("type");
        for (QuantType type : kFormats)
            QTest::newRow(enclave::quantTraits(type).name) << type;
    }
    void matchesReference()
    {
        QFETCH(QuantType, type);
        if (!enclave::cpuGemmQ8Supports(type))
            QSKIP("this CPU lacks AVX-512 VNNI");
        for (int64_t cols : {int64_t(256), int64_t(512)}) {
            const int64_t rowBytes = enclave::quantRowBytes(type, cols);
            std::vector<uint8_t> weights;
            std::vector<std::vector<float>> reference; // dequantized rows
            for (int r = 0; r < enclave::kGemmQ8PanelRows; ++r) {
                const std::vector<uint8_t> row = quantizeRow(type, randomRow(cols, uint32_t(100 + r), 0.5f));
                weights.insert(weights.end(), row.begin(), row.end());
                reference.push_back(dequantizeRow(type, row, cols));
            }
            for (int64_t n = 1; n <= 9; ++n) {
                std::vector<float> x;
                for (int64_t t = 0; t < n; ++t) {
                    const std::vector<float> row = randomRow(cols, uint32_t(1000 * cols + t));
                    x.insert(x.end(), row.begin(), row.end());
                }
                enclave::Q8Activations activations;
                enclave::quantizeActivationsQ8(x.data(), n, cols, activations);
                std::vector<float> xq(size_t(n * cols)); // what the kernel multiplies: d · q
                for (size_t b = 0; b < activations.blocks.size(); ++b)
                    for (int l = 0; l < 32; ++l)
                        xq[b * 32 + size_t(l)] = enclave::fp16ToFp32(activations.blocks[b].d) * activations.blocks[b].qs[l];
                for (int valid : {1, 13, 16, 17, 32}) {
                    for (bool accumulate : {false, true}) {
                        const int64_t ldy = enclave::kGemmQ8PanelRows + 1;
                        const std::vector<float> y0 = randomRow(n * ldy, uint32_t(n * 7 + valid));
                        std::vector<float> y = y0;
                        const uint8_t *rows[enclave::kGemmQ8PanelRows];
                        for (int i = 0; i < valid; ++i)
                            rows[i] = weights.data() + i * rowBytes;
                        enclave::Q8Panel panel;
                        for (int64_t k0 = 0; k0 < cols; k0 += enclave::kGemmQ8Depth) {
                            enclave::packQ8Panel(type, rows, valid, k0, enclave::kGemmQ8Depth, panel);
                            enclave::multiplyQ8Panel(panel, activations, k0, n, y.data(), ldy, valid, accumulate || k0 > 0);
                        }
                        for (int64_t t = 0; t < n; ++t) {
                            for (int i = 0; i < ldy; ++i) {
                                const size_t at = size_t(t * ldy + i);
                                if (i >= valid) {
                                    QCOMPARE(y[at], y0[at]);
                                    continue;
                                }
                                double want = accumulate ? double(y0[at]) : 0.0, magnitude = std::fabs(want);
                                for (int64_t k = 0; k < cols; ++k) {
                                    const double p = double(reference[size_t(i)][size_t(k)]) * xq[size_t(t * cols + k)];
                                    want += p;
                                    magnitude += std::fabs(p);
                                }
                                QVERIFY2(std::fabs(y[at] - want) <= kRelTol * magnitude,
                                         qPrintable(QString("%1 cols, %2 tokens, %3 rows%4: token %5 row %6: %7, reference %8")
                                                        .arg(cols).arg(n).arg(valid).arg(accumulate ? ", accumulating" : "")
                                                        .arg(t).arg(i).arg(double(y[at]), 0, 'g', 9).arg(want, 0, 'g', 9)));
                            }
                        }
                    }
                }
            }
        }
    }

    // Multiply-adds per second of pack + multiply, one thread, [1024 x 2048] weights and 64 tokens.
    void throughput_data() { matchesReference_data(); }
    void throughput()
    {
        QFETCH(QuantType, type);
        if (!enclave::cpuGemmQ8Supports(type))
            QSKIP("this CPU lacks AVX-512 VNNI");
        constexpr int64_t rows = 1024, cols = 2048, n = 64;
        const int64_t rowBytes = enclave::quantRowBytes(type, cols);
        const std::vector<uint8_t> weights = quantizeRow(type, randomRow(rows * cols, 3));
        const std::vector<float> x = randomRow(n * cols, 4);
        enclave::Q8Activations activations;
        enclave::quantizeActivationsQ8(x.data(), n, cols, activations);
        std::vector<float> y(size_t(n * rows));
        enclave::Q8Panel panel;
        double best = 1e30;
        for (int repeat = 0; repeat < 3; ++repeat) {
            QElapsedTimer timer;
            timer.start();
            for (int64_t r0 = 0; r0 < rows; r0 += enclave::kGemmQ8PanelRows) {
                const uint8_t *rowPointers[enclave::kGemmQ8PanelRows];
                for (int i = 0; i < enclave::kGemmQ8PanelRows; ++i)
                    rowPointers[i] = weights.data() + (r0 + i) * rowBytes;
                for (int64_t k0 = 0; k0 < cols; k0 += enclave::kGemmQ8Depth) {
                    enclave::packQ8Panel(type, rowPointers, enclave::kGemmQ8PanelRows, k0, enclave::kGemmQ8Depth, panel);
                    enclave::multiplyQ8Panel(panel, activations, k0, n, y.data() + r0, rows, enclave::kGemmQ8PanelRows, k0 > 0);
                }
            }
            best = std::min(best, double(timer.nsecsElapsed()) * 1e-9);
        }
        qInfo("%s: %.1f G multiply-adds/s (one thread, %lld tokens)", enclave::quantTraits(type).name,
              double(rows * cols * n) / best * 1e-9, static_cast<long long>(n));
    }
};

QTEST_APPLESS_MAIN(TestGemmQ8)
#include "tst_gemm_q8.moc"
