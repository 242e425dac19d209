// Scalar references of quant/: the format table, quantize -> dequantize round trips against error
// limits derived from each format's step size, and vecDot against dequantize + f64 dot, on random
// rows of many lengths. Hand-built blocks and float conversions are in tst_quant_layout.cpp.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/traits.h"
#include "quant_test_util.h"

#include <QTest>

#include <cstring>
#include <stdexcept>

using enclave::QuantType;
using enclave::quantTraits;
using namespace quant_test;

namespace {

// Round trip limit, as relative RMS error rms(x' - x) / rms(x) on N(0, 1) data. Rounding to a grid
// of step s costs s / sqrt(12) RMS. The largest of n normal samples stays below sqrt(2 ln n) standard
// deviations, so a group of n spans less than expectedRange(n) (one sigma of margin), and a format
// with L levels per group of n has s <= expectedRange(n) / (L - 1).
double expectedRange(int groupSize) { return 2.0 * std::sqrt(2.0 * std::log(double(groupSize))) + 1.0; }
double stepLimit(int levels, int groupSize) { return expectedRange(groupSize) / double(levels - 1) / std::sqrt(12.0); }
// Float formats round each value to nearest: relative error at most half an ulp.
constexpr double kF16Limit = 1.0 / 2048;  // 2^-11
constexpr double kBf16Limit = 1.0 / 256;  // 2^-8

// vecDot against the f64 dot of the dequantized rows: the integer partial sums are exact, the rest
// is a few f32 roundings per block, so the error is bounded relative to sum |w_i a_i|.
constexpr double kDotRelTol = 1e-5;

double roundTripLimit(QuantType type)
{
    switch (type) {
    case QuantType::F32: return 0;
    case QuantType::F16: return kF16Limit;
    case QuantType::BF16: return kBf16Limit;
    case QuantType::Q2_K: return stepLimit(4, 16);
    case QuantType::Q3_K: return stepLimit(8, 16);
    case QuantType::Q4_0: case QuantType::Q4_1: case QuantType::Q4_K:
    case QuantType::IQ4_NL: case QuantType::IQ4_XS: return stepLimit(16, 32);
    case QuantType::MXFP4: return stepLimit(8, 32); // e2m1: 3 bits of magnitude with a coarse power-of-two scale
    case QuantType::Q5_0: case QuantType::Q5_1: case QuantType::Q5_K: return stepLimit(32, 32);
    case QuantType::Q6_K: return stepLimit(64, 16);
    case QuantType::Q8_0: case QuantType::Q8_1: return stepLimit(255, 32);
    case QuantType::Q8_K: return stepLimit(255, 256);
    default: return -1;
    }
}

const int64_t kBlockCounts[] = {1, 2, 3, 7, 16};

double relativeRms(const std::vector<float> &x, const std::vector<float> &y)
{
    double err = 0, ref = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        err += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
        ref += double(x[i]) * x[i];
    }
    return std::sqrt(err / ref);
}

void addFormatRows(bool withQuantizerOnly)
{
    QTest::addColumn<QuantType>("type");
    for (QuantType type : allFormats()) {
        if (withQuantizerOnly && !quantTraits(type).quantizeRow)
            continue;
        QTest::newRow(quantTraits(type).name) << type;
    }
}

} // namespace

class TestQuant : public QObject {
    Q_OBJECT

private slots:
    void traitsMatchTypeFunctions_data() { addFormatRows(false); }
    void traitsMatchTypeFunctions()
    {
        QFETCH(QuantType, type);
        const enclave::QuantTraits &t = quantTraits(type);
        QCOMPARE(t.type, type);
        QCOMPARE(enclave::quantTypeName(type), std::string_view(t.name));
        QCOMPARE(enclave::quantBlockElems(type), t.blockElems);
        QCOMPARE(enclave::quantBlockBytes(type), t.blockBytes);
        QVERIFY(t.dequantizeRow && t.vecDot);
        QCOMPARE(enclave::findQuantTraits(type), &t);
        const auto fromGguf = enclave::quantTypeFromGguf(uint32_t(type));
        if (type == QuantType::F8_E4M3)
            QVERIFY(!fromGguf);
        else
            QCOMPARE(fromGguf, std::optional(type));
    }

    void traitsSizesAndDotTypes()
    {
        const struct {
            QuantType type;
            int64_t elems, bytes;
            QuantType dot;
        } expected[] = {
            {QuantType::F32, 1, 4, QuantType::F32},       {QuantType::F16, 1, 2, QuantType::F32},
            {QuantType::BF16, 1, 2, QuantType::F32},      {QuantType::F8_E4M3, 1, 1, QuantType::F32},
            {QuantType::Q4_0, 32, 18, QuantType::Q8_0},   {QuantType::Q4_1, 32, 20, QuantType::Q8_0},
            {QuantType::Q5_0, 32, 22, QuantType::Q8_0},   {QuantType::Q5_1, 32, 24, QuantType::Q8_0},
            {QuantType::Q8_0, 32, 34, QuantType::Q8_0},   {QuantType::Q8_1, 32, 36, QuantType::Q8_0},
            {QuantType::Q2_K, 256, 84, QuantType::Q8_K},  {QuantType::Q3_K, 256, 110, QuantType::Q8_K},
            {QuantType::Q4_K, 256, 144, QuantType::Q8_K}, {QuantType::Q5_K, 256, 176, QuantType::Q8_K},
            {QuantType::Q6_K, 256, 210, QuantType::Q8_K}, {QuantType::Q8_K, 256, 292, QuantType::Q8_K},
            {QuantType::IQ4_NL, 32, 18, QuantType::Q8_0}, {QuantType::IQ4_XS, 256, 136, QuantType::Q8_K},
            {QuantType::IQ1_S, 256, 50, QuantType::Q8_K},  {QuantType::IQ1_M, 256, 56, QuantType::Q8_K},
            {QuantType::IQ2_XXS, 256, 66, QuantType::Q8_K}, {QuantType::IQ2_XS, 256, 74, QuantType::Q8_K},
            {QuantType::IQ2_S, 256, 82, QuantType::Q8_K},  {QuantType::IQ3_XXS, 256, 98, QuantType::Q8_K},
            {QuantType::IQ3_S, 256, 110, QuantType::Q8_K}, {QuantType::MXFP4, 32, 17, QuantType::Q8_0},
        };
        QCOMPARE(std::size(expected), allFormats().size());
        for (const auto &e : expected) {
            QCOMPARE(quantTraits(e.type).blockElems, e.elems);
            QCOMPARE(quantTraits(e.type).blockBytes, e.bytes);
            QCOMPARE(quantTraits(e.type).dotType, e.dot);
        }
        QCOMPARE(enclave::quantRowBytes(QuantType::Q4_K, 512), int64_t(288));
        QVERIFY(!quantTraits(QuantType::F8_E4M3).quantizeRow);
    }

    void unknownTypes()
    {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, quantTraits(QuantType(4)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, enclave::quantBlockBytes(QuantType(999)));
        QVERIFY(!enclave::findQuantTraits(QuantType(24))); // GGUF I8: a tensor type, not a weight format
        QCOMPARE(enclave::quantTypeName(QuantType(999)), std::string_view("unknown"));
        QVERIFY(!enclave::quantTypeFromGguf(4));      // Q4_2, long gone
        QVERIFY(!enclave::quantTypeFromGguf(0x1000)); // engine-only id
        QVERIFY(!enclave::quantTypeFromGguf(40));
    }

    void roundTrip_data() { addFormatRows(true); }
    void roundTrip()
    {
        QFETCH(QuantType, type);
        const double limit = roundTripLimit(type);
        QVERIFY(limit >= 0);
        for (int64_t blocks : kBlockCounts) {
            const int64_t n = blocks * quantTraits(type).blockElems * (quantTraits(type).blockElems == 1 ? 256 : 1);
            const std::vector<float> x = randomRow(n, uint32_t(n) * 31 + uint32_t(type));
            const std::vector<float> y = dequantizeRow(type, quantizeRow(type, x), n);
            double err = 0;
            if (type == QuantType::F16 || type == QuantType::BF16) {
                for (int64_t i = 0; i < n; ++i)
                    err = std::max(err, std::fabs(double(y[i]) - x[i]) / std::fabs(double(x[i])));
            } else {
                err = relativeRms(x, y);
            }
            if (err > limit || qEnvironmentVariableIsSet("ENCLAVE_TEST_VERBOSE"))
                qWarning("n=%lld: error %.6g, limit %.6g", (long long)n, err, limit);
            QVERIFY(err <= limit);
        }
    }

    // Zeros, a constant row, one outlier per block and a scaled-up row must all survive.
    void roundTripSpecialRows_data() { addFormatRows(true); }
    void roundTripSpecialRows()
    {
        QFETCH(QuantType, type);
        const int64_t n = 2 * 256;
        const std::vector<float> zeros(size_t(n), 0.0f);
        for (float v : dequantizeRow(type, quantizeRow(type, zeros), n))
            QCOMPARE(v, 0.0f);

        const std::vector<float> constant(size_t(n), -0.75f);
        const double limit = roundTripLimit(type);
        QVERIFY(relativeRms(constant, dequantizeRow(type, quantizeRow(type, constant), n)) <= limit);

        // One large value per 32: the error, relative to the whole row, stays within the step limit.
        std::vector<float> spiky = randomRow(n, 7);
        for (int64_t i = 0; i < n; i += 32)
            spiky[size_t(i)] = 20.0f;
        QVERIFY(relativeRms(spiky, dequantizeRow(type, quantizeRow(type, spiky), n)) <= limit * 6);

        std::vector<float> scaled = randomRow(n, 8, 300.0f);
        QVERIFY(relativeRms(scaled, dequantizeRow(type, quantizeRow(type, scaled), n)) <= limit);
    }

    void vecDotMatchesDequantizedDot_data() { addFormatRows(false); }
    void vecDotMatchesDequantizedDot()
    {
        QFETCH(QuantType, type);
        const enclave::QuantTraits &t = quantTraits(type);
        for (int64_t blocks : kBlockCounts) {
            const int64_t n = blocks * (t.blockElems == 1 ? 37 : t.blockElems);
            const std::vector<uint8_t> w = t.quantizeRow ? quantizeRow(type, randomRow(n, uint32_t(n)))
                                                         : randomBlocks(type, n, uint32_t(n));
            const std::vector<uint8_t> a = activationBytes(t.dotType, randomRow(n, uint32_t(n) + 1));
            const std::vector<float> wf = dequantizeRow(type, w, n);
            const std::vector<float> af = dequantizeRow(t.dotType, a, n);
            const double got = t.vecDot(n, w.data(), a.data());
            const double want = dot(wf, af);
            const double tol = kDotRelTol * absDot(wf, af) + 1e-30;
            if (std::fabs(got - want) > tol)
                qWarning("n=%lld: vecDot %.9g, dequantized dot %.9g", (long long)n, got, want);
            QVERIFY(std::fabs(got - want) <= tol);
        }
    }

    // The quantized dot approximates the exact f32 dot within the two formats' round trip errors:
    // |w'.a' - w.a| <= |w' - w| |a'| + |w| |a' - a| (Cauchy-Schwarz).
    void vecDotApproximatesExactDot_data() { addFormatRows(true); }
    void vecDotApproximatesExactDot()
    {
        QFETCH(QuantType, type);
        const enclave::QuantTraits &t = quantTraits(type);
        const int64_t n = 4096;
        const std::vector<float> w = randomRow(n, 11), a = randomRow(n, 12);
        const std::vector<uint8_t> wq = quantizeRow(type, w), aq = activationBytes(t.dotType, a);
        const double ew = roundTripLimit(type), ea = roundTripLimit(t.dotType);
        const double norms = std::sqrt(dot(w, w) * dot(a, a));
        const double bound = (ew * (1 + ea) + ea) * norms + kDotRelTol * absDot(w, a);
        QVERIFY(std::fabs(t.vecDot(n, wq.data(), aq.data()) - dot(w, a)) <= bound);
    }

    // Q8_1 carries s = d * sum(q); Q8_K carries the sums of each 16 quants.
    void activationSums()
    {
        const int64_t n = 512;
        const std::vector<float> x = randomRow(n, 5);
        const std::vector<uint8_t> q81 = quantizeRow(QuantType::Q8_1, x);
        const auto *b1 = reinterpret_cast<const enclave::BlockQ8_1 *>(q81.data());
        for (int64_t i = 0; i < n / 32; ++i) {
            int sum = 0;
            for (int8_t q : b1[i].qs)
                sum += q;
            // s rounds d * sum with the unrounded d: equal to f16 precision.
            const double want = double(enclave::fp16ToFp32(b1[i].d)) * sum;
            QVERIFY(std::fabs(enclave::fp16ToFp32(b1[i].s) - want) <= std::fabs(want) * 2 * kF16Limit);
        }
        const std::vector<uint8_t> q8k = quantizeRow(QuantType::Q8_K, x);
        const auto *bk = reinterpret_cast<const enclave::BlockQ8_K *>(q8k.data());
        for (int64_t i = 0; i < n / 256; ++i) {
            for (int g = 0; g < 16; ++g) {
                int sum = 0;
                for (int j = 0; j < 16; ++j)
                    sum += bk[i].qs[16 * g + j];
                QCOMPARE(int(bk[i].bsums[g]), sum);
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestQuant)
#include "tst_quant.moc"
