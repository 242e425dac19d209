// The GGUF block layouts, checked without the block structs: blocks are assembled byte by byte at
// the offsets the format defines, and probe elements are compared with values worked out by hand
// from the format definitions (ggml / gguf-py). Also the scalar f16 / bf16 / e4m3 conversions.
#include "engine/quant/float_convert.h"
#include "engine/quant/traits.h"
#include "quant_test_util.h"

#include <QTest>

#include <bit>
#include <cmath>
#include <limits>
#include <functional>
#include <utility>

using enclave::QuantType;

namespace {

constexpr uint16_t kHalfOne = 0x3c00, kHalfHalf = 0x3800, kHalfQuarter = 0x3400, kHalfMinusOne = 0xbc00;

// A block under construction: raw little-endian bytes.
struct Bytes {
    std::vector<uint8_t> data;
    explicit Bytes(size_t n) : data(n, 0) {}
    Bytes &u16(size_t at, uint16_t v)
    {
        data[at] = uint8_t(v);
        data[at + 1] = uint8_t(v >> 8);
        return *this;
    }
    Bytes &f32(size_t at, float v)
    {
        const uint32_t bits = std::bit_cast<uint32_t>(v);
        return u16(at, uint16_t(bits)).u16(at + 2, uint16_t(bits >> 16));
    }
    Bytes &set(size_t at, std::initializer_list<uint8_t> values)
    {
        for (uint8_t v : values)
            data[at++] = v;
        return *this;
    }
    Bytes &fill(size_t at, size_t count, const std::function<uint8_t(size_t)> &value)
    {
        for (size_t i = 0; i < count; ++i)
            data[at + i] = value(i);
        return *this;
    }
};

using Probes = std::vector<std::pair<int, float>>; // element index, expected value

// qs[j] = j | (15 - j) << 4: element j < 16 has level j, element 16 + j level 15 - j.
uint8_t rampNibbles(size_t j) { return uint8_t((j & 0xf) | ((15 - (j & 0xf)) << 4)); }

} // namespace

Q_DECLARE_METATYPE(Probes)

class TestQuantLayout : public QObject {
    Q_OBJECT

    // The codebook formats. Points used, from the codebooks (iq_grids.h): IQ2 point 0 = eight 8s,
    // point 1 = 43 then seven 8s, IQ2_S point 256 = 25 25 25 25 25 8 25 8; IQ3_XXS point 0 = four 4s,
    // point 1 = 20 4 4 4; IQ3_S point 0 = four 1s, point 1 = 3 1 1 1, point 256 = 7 5 9 5; IQ1 point 0 =
    // eight -1s, point 1 = 1 then seven -1s, point 256 = -1 0 1 0 1 -1 0 -1, point 2047 = eight 1s.
    template <typename Add>
    static void addCodebookRows(Add &&add)
    {
        // d @0, per sub-block two uint32 @2 + 8 ib: grid bytes, then 4 sign fields of 7 bits and ls << 28.
        // Sub-block 0: groups 1, 0, 0, 0; field 0 = 1 (element 0 negative, odd parity: element 7 too); ls 3.
        add("IQ2_XXS", QuantType::IQ2_XXS, Bytes(66).u16(0, kHalfOne).set(2, {1, 0, 0, 0, 0x01, 0, 0, 0x30}),
            {{0, -37.625f}, {1, 7.0f}, {7, -7.0f}, {8, 7.0f}, {32, 1.0f}, {255, 1.0f}});
        // d @0, qs uint16 @2 (9-bit index | field << 9), scales @66 (nibble per 16 elements).
        add("IQ2_XS", QuantType::IQ2_XS, Bytes(74).u16(0, kHalfOne).u16(2, 1 | (3 << 9)).set(66, {0x52}),
            {{0, -26.875f}, {1, -5.0f}, {2, 5.0f}, {7, 5.0f}, {16, 11.0f}, {32, 1.0f}});
        // d @0, qs @2 (low index bits), signs @34, qh @66 (bits 2l: index bits 8-9), scales @74.
        add("IQ2_S", QuantType::IQ2_S,
            Bytes(82).u16(0, kHalfOne).set(34, {0x80, 0x01}).set(66, {0x04}).set(74, {0x31}),
            {{0, 3.0f}, {7, -3.0f}, {8, -9.375f}, {13, 3.0f}, {14, 9.375f}, {16, 7.0f}});
        // d @0, grid bytes @2 (4 elements each), per sub-block uint32 @66 + 4 ib: sign fields, ls << 28.
        add("IQ3_XXS", QuantType::IQ3_XXS, Bytes(98).u16(0, kHalfOne).set(2, {1, 0}).set(66, {0x11, 0, 0, 0x20}),
            {{0, -25.0f}, {1, 5.0f}, {4, -5.0f}, {7, 5.0f}, {32, 1.0f}});
        // d @0, qs @2, qh @66 (bit k: index bit 8 of qs[8 ib + k]), signs @74, scales @106: x = d (1 + 2 ls) g.
        add("IQ3_S", QuantType::IQ3_S,
            Bytes(110).u16(0, kHalfHalf).set(2, {0, 1}).set(66, {0x01}).set(74, {0x22}).set(106, {0x21}),
            {{0, 10.5f}, {1, -7.5f}, {2, 13.5f}, {4, 4.5f}, {5, -1.5f}, {32, 2.5f}, {64, 0.5f}});
        // d @0, qs @2, qh uint16 @34: index bits 8-10 at 3 l, ls at 12-14, shift sign at 15.
        add("IQ1_S", QuantType::IQ1_S, Bytes(50).u16(0, kHalfOne).set(2, {0, 0xff}).u16(34, 0xa039),
            {{0, -5.625f}, {1, -0.625f}, {2, 4.375f}, {8, 4.375f}, {16, -5.625f}, {32, -0.875f}});
        // qs @0, qh @32 (nibble per group: index bits 8-10, shift sign), scales @48: four uint16 words
        // with 3-bit ls per 16 elements and the f16 d in their top nibbles (1.0 = 0x3c00).
        add("IQ1_M", QuantType::IQ1_M,
            Bytes(56).set(2, {1}).set(32, {0x09}).u16(48, 0x0011).u16(52, 0xc000).u16(54, 0x3000),
            {{0, -3.375f}, {2, 2.625f}, {8, -2.625f}, {16, 5.625f}, {17, -4.375f}, {64, -0.875f}});
        // e @0, qs @1 (nibbles as Q4_0): x = kMxfp4Values[q] 2^(e - 128), the e2m1 value times 2^(e - 127).
        add("MXFP4", QuantType::MXFP4, Bytes(17).set(0, {127}).fill(1, 16, rampNibbles),
            {{0, 0.0f}, {5, 3.0f}, {7, 6.0f}, {9, -0.5f}, {15, -6.0f}, {16, -6.0f}, {31, 0.0f}});
        add("MXFP4 smallest scale", QuantType::MXFP4, Bytes(17).set(0, {0}).fill(1, 16, rampNibbles),
            {{7, std::ldexp(3.0f, -126)}, {1, std::ldexp(1.0f, -128)}});
    }

private slots:
    void knownBlocks_data()
    {
        QTest::addColumn<QuantType>("type");
        QTest::addColumn<std::vector<uint8_t>>("block");
        QTest::addColumn<Probes>("probes");
        auto add = [](const char *name, QuantType type, const Bytes &b, const Probes &p) {
            QCOMPARE(int64_t(b.data.size()), enclave::quantTraits(type).blockBytes);
            QTest::newRow(name) << type << b.data << p;
        };
        // d @0, qs @2: x = d (q - 8)
        add("Q4_0", QuantType::Q4_0, Bytes(18).u16(0, kHalfHalf).fill(2, 16, rampNibbles),
            {{0, -4.0f}, {5, -1.5f}, {15, 3.5f}, {16, 3.5f}, {31, -4.0f}});
        // d @0, m @2, qs @4: x = d q + m
        add("Q4_1", QuantType::Q4_1, Bytes(20).u16(0, kHalfQuarter).u16(2, kHalfMinusOne).fill(4, 16, rampNibbles),
            {{0, -1.0f}, {6, 0.5f}, {16, 2.75f}, {31, -1.0f}});
        // d @0, qh @2 (uint32 0x5533f00f), qs @6: x = d (q - 16)
        add("Q5_0", QuantType::Q5_0, Bytes(22).u16(0, kHalfOne).set(2, {0x0f, 0xf0, 0x33, 0x55}).fill(6, 16, rampNibbles),
            {{0, 0.0f}, {4, -12.0f}, {8, -8.0f}, {12, 12.0f}, {16, 15.0f}, {18, -3.0f}, {31, -16.0f}});
        // d @0, m @2, qh @4, qs @8: x = d q + m
        add("Q5_1", QuantType::Q5_1,
            Bytes(24).u16(0, kHalfHalf).u16(2, kHalfOne).set(4, {0x0f, 0xf0, 0x33, 0x55}).fill(8, 16, rampNibbles),
            {{0, 9.0f}, {4, 3.0f}, {12, 15.0f}, {16, 16.5f}, {31, 1.0f}});
        // d @0, qs @2 (int8)
        add("Q8_0", QuantType::Q8_0, Bytes(34).u16(0, kHalfQuarter).fill(2, 32, [](size_t j) { return uint8_t(j - 16); }),
            {{0, -4.0f}, {16, 0.0f}, {31, 3.75f}});
        // d @0, s @2, qs @4
        add("Q8_1", QuantType::Q8_1, Bytes(36).u16(0, kHalfQuarter).fill(4, 32, [](size_t j) { return uint8_t(3 * j - 40); }),
            {{0, -10.0f}, {31, 13.25f}});
        // float d @0, qs @4, bsums @260
        add("Q8_K", QuantType::Q8_K, Bytes(292).f32(0, 0.5f).fill(4, 256, [](size_t j) { return uint8_t(j - 128); }),
            {{0, -64.0f}, {128, 0.0f}, {255, 63.5f}});
        // d @0, qs @2: x = d kIq4nlValues[q]
        add("IQ4_NL", QuantType::IQ4_NL, Bytes(18).u16(0, kHalfHalf).fill(2, 16, rampNibbles),
            {{0, -63.5f}, {5, -17.5f}, {8, 0.5f}, {16, 56.5f}, {20, 19.0f}, {31, -63.5f}});
        addKQuantRows(add);
        addCodebookRows(add);
    }

    void knownBlocks()
    {
        QFETCH(QuantType, type);
        QFETCH(std::vector<uint8_t>, block);
        QFETCH(Probes, probes);
        const int64_t n = enclave::quantTraits(type).blockElems;
        const std::vector<float> x = quant_test::dequantizeRow(type, block, n);
        for (const auto &[index, want] : probes) {
            if (x[size_t(index)] != want)
                qWarning("element %d: got %g, want %g", index, double(x[size_t(index)]), double(want));
            QVERIFY(x[size_t(index)] == want);
        }
    }

    void floatFormats()
    {
        const std::vector<float> f16 = quant_test::dequantizeRow(
            QuantType::F16, Bytes(8).u16(0, 0x3c00).u16(2, 0xc000).u16(4, 0x0001).u16(6, 0x7bff).data, 4);
        QCOMPARE(f16, (std::vector<float>{1.0f, -2.0f, 0x1p-24f, 65504.0f}));
        const std::vector<float> bf16 = quant_test::dequantizeRow(
            QuantType::BF16, Bytes(6).u16(0, 0x3f80).u16(2, 0xc040).u16(4, 0x0001).data, 3);
        QCOMPARE(bf16, (std::vector<float>{1.0f, -3.0f, 0x1p-133f}));
        const std::vector<float> e4m3 = quant_test::dequantizeRow(
            QuantType::F8_E4M3, Bytes(6).set(0, {0x38, 0xc0, 0x01, 0x7e, 0x08, 0x80}).data, 6);
        QCOMPARE(e4m3, (std::vector<float>{1.0f, -2.0f, 0x1p-9f, 448.0f, 0x1p-6f, -0.0f}));
        QVERIFY(std::isnan(enclave::e4m3ToFp32(0x7f)) && std::isnan(enclave::e4m3ToFp32(0xff)));
    }

    // Every finite half survives f16 -> f32 -> f16; NaN stays NaN; infinities stay infinities.
    void halfRoundTripExhaustive()
    {
        for (uint32_t h = 0; h < 0x10000; ++h) {
            const float f = enclave::fp16ToFp32(uint16_t(h));
            if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) {
                QVERIFY(std::isnan(f));
                QVERIFY(std::isnan(enclave::fp16ToFp32(enclave::fp32ToFp16(f))));
            } else if (enclave::fp32ToFp16(f) != h) {
                QFAIL(qPrintable(QStringLiteral("half 0x%1 does not round trip").arg(h, 4, 16)));
            }
        }
    }

    void halfRounding()
    {
        const std::pair<float, uint16_t> cases[] = {
            {1.0f + 0x1p-11f, 0x3c00},        // tie, to even (down)
            {1.0f + 3 * 0x1p-11f, 0x3c02},    // tie, to even (up)
            {1.0f + 0x1p-11f + 0x1p-20f, 0x3c01},
            {65519.0f, 0x7bff},
            {65520.0f, 0x7c00},               // tie between 65504 and 2^16: to even = infinity
            {-1e9f, 0xfc00},
            {0x1p-25f, 0x0000},               // tie between 0 and the smallest subnormal
            {0x1p-25f * 1.0001f, 0x0001},
            {3 * 0x1p-25f, 0x0002},           // 1.5 subnormal steps: to even
            {1023.5f * 0x1p-24f, 0x0400},     // tie at the top of the subnormals: carries into the exponent
            {-0.0f, 0x8000},
            {0x1p-14f, 0x0400},
        };
        for (const auto &[f, h] : cases)
            QCOMPARE(enclave::fp32ToFp16(f), h);
        QCOMPARE(enclave::fp32ToFp16(std::numeric_limits<float>::infinity()), uint16_t(0x7c00));
    }

    void bf16Rounding()
    {
        QCOMPARE(enclave::fp32ToBf16(1.0f), uint16_t(0x3f80));
        QCOMPARE(enclave::fp32ToBf16(std::bit_cast<float>(0x3f808000u)), uint16_t(0x3f80)); // tie, to even
        QCOMPARE(enclave::fp32ToBf16(std::bit_cast<float>(0x3f818000u)), uint16_t(0x3f82)); // tie, to even
        QCOMPARE(enclave::fp32ToBf16(std::bit_cast<float>(0x3f808001u)), uint16_t(0x3f81));
        QVERIFY(std::isnan(enclave::bf16ToFp32(enclave::fp32ToBf16(std::bit_cast<float>(0x7f800001u)))));
        for (uint32_t h = 0; h < 0x10000; ++h) {
            if ((h & 0x7f80) != 0x7f80)
                QCOMPARE(enclave::fp32ToBf16(enclave::bf16ToFp32(uint16_t(h))), uint16_t(h));
        }
    }

private:
    template <typename Add> static void addKQuantRows(const Add &add);
};

// Worked examples of the k-quant and IQ4_XS layouts (element e, group g = e / 16 or e / 32).
template <typename Add> void TestQuantLayout::addKQuantRows(const Add &add)
{
    // scales @0 (scale g, min 15 - g), qs @16 (0xe4: levels 0,1,2,3 by j; then 0x1b: 3,2,1,0),
    // d @80 = 1, dmin @82 = 0.5: x = d sc q - dmin m
    add("Q2_K", QuantType::Q2_K,
        Bytes(84).fill(0, 16, [](size_t g) { return uint8_t(g | ((15 - g) << 4)); })
            .fill(16, 64, [](size_t k) { return uint8_t(k < 32 ? 0xe4 : 0x1b); })
            .u16(80, kHalfOne).u16(82, kHalfHalf),
        {{0, -7.5f}, {40, -4.5f}, {100, 13.5f}, {130, 20.5f}, {200, 10.5f}, {255, 0.0f}});
    // hmask @0 (0x0f for l < 16, 0xf0 after), qs @32 (as Q2_K), scales @96 (s[g] = 24 + g, so
    // signed g - 8), d @108 = 1: x = d (s - 32) (q2 - (hbit ? 0 : 4))
    add("Q3_K", QuantType::Q3_K,
        Bytes(110).fill(0, 32, [](size_t l) { return uint8_t(l < 16 ? 0x0f : 0xf0); })
            .fill(32, 64, [](size_t k) { return uint8_t(k < 32 ? 0xe4 : 0x1b); })
            .set(96, {0x08, 0x19, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f, 0xa5, 0xa5, 0xa5, 0xa5})
            .u16(108, kHalfOne),
        {{0, 0.0f}, {20, 28.0f}, {40, -6.0f}, {120, 1.0f}, {130, 0.0f}, {180, 6.0f}, {232, -24.0f}});
    // d @0 = 1, dmin @2 = 0.5, scales @4 packing sc = {1,2,3,63,17,33,50,5}, m = {0,10,20,30,40,63,16,7},
    // qs @16 (ramp nibbles per 32): x = d sc q - dmin m
    const std::initializer_list<uint8_t> k4Scales = {0x41, 0x82, 0xc3, 0x3f, 0x80, 0xca, 0x54, 0x1e, 0x81, 0xf1, 0x02, 0x75};
    add("Q4_K", QuantType::Q4_K,
        Bytes(144).u16(0, kHalfOne).u16(2, kHalfHalf).set(4, k4Scales).fill(16, 128, rampNibbles),
        {{0, 0.0f}, {37, 15.0f}, {70, 8.0f}, {127, -15.0f}, {140, 184.0f}, {175, -31.5f}, {200, 392.0f}, {241, 66.5f}});
    // as Q4_K plus qh @16 (0xaa for l < 16: odd groups get 16; 0x55 after: even groups), qs @48
    add("Q5_K", QuantType::Q5_K,
        Bytes(176).u16(0, kHalfOne).u16(2, kHalfHalf).set(4, k4Scales)
            .fill(16, 32, [](size_t l) { return uint8_t(l < 16 ? 0xaa : 0x55); }).fill(48, 128, rampNibbles),
        {{0, 0.0f}, {37, 47.0f}, {70, 8.0f}, {127, -15.0f}, {140, 184.0f}, {175, 496.5f}, {200, 392.0f},
         {208, 792.0f}, {241, 66.5f}});
    // ql @0 (ql[k] = k), qh @128 (0xe4 then 0x1b), scales @192 (g - 8), d @208 = 0.5:
    // x = d sc (q - 32)
    add("Q6_K", QuantType::Q6_K,
        Bytes(210).fill(0, 128, [](size_t k) { return uint8_t(k); })
            .fill(128, 64, [](size_t k) { return uint8_t(k < 32 ? 0xe4 : 0x1b); })
            .fill(192, 16, [](size_t g) { return uint8_t(g - 8); }).u16(208, kHalfHalf),
        {{0, 128.0f}, {45, 9.0f}, {70, 0.0f}, {127, -9.5f}, {150, 11.0f}, {255, -87.5f}});
    // d @0 = 0.25, scales_h @2 = 0xaa55, scales_l @4 (ls = 28 + g, so signed g - 4), qs @8 (ramp per 16):
    // x = d (ls - 32) kIq4nlValues[q]
    add("IQ4_XS", QuantType::IQ4_XS,
        Bytes(136).u16(0, kHalfQuarter).u16(2, 0xaa55).set(4, {0xdc, 0xfe, 0x10, 0x32}).fill(8, 128, rampNibbles),
        {{0, 127.0f}, {50, -51.75f}, {100, 12.25f}, {128, 0.0f}, {170, 6.25f}, {255, -95.25f}});
}

QTEST_APPLESS_MAIN(TestQuantLayout)
#include "tst_quant_layout.moc"
