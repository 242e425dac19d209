// Float formats: F32, F16, BF16 and F8_E4M3 (dequantize only). Their dot products take F32 activations
// and accumulate in double, so the reference is the accurate side of every kernel comparison.
#include "engine/quant/float_convert.h"
#include "engine/quant/reference.h"

#include <cstring>

namespace enclave::ref {
namespace {

template <typename T, float (*toFloat)(T)>
void toFloatRow(const void *src, float *dst, int64_t n)
{
    const auto *s = static_cast<const T *>(src);
    for (int64_t i = 0; i < n; ++i)
        dst[i] = toFloat(s[i]);
}

template <typename T, float (*toFloat)(T)>
float dotWithFloats(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const T *>(weightRow);
    const auto *a = static_cast<const float *>(activationRow);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
        sum += double(toFloat(w[i])) * double(a[i]);
    return float(sum);
}

float identity(float v) { return v; }

} // namespace

namespace f32 {
void dequantizeRow(const void *src, float *dst, int64_t n) { std::memcpy(dst, src, size_t(n) * sizeof(float)); }
void quantizeRow(const float *src, void *dst, int64_t n) { std::memcpy(dst, src, size_t(n) * sizeof(float)); }
float vecDot(int64_t n, const void *w, const void *a) { return dotWithFloats<float, identity>(n, w, a); }
} // namespace f32

namespace f16 {
void dequantizeRow(const void *src, float *dst, int64_t n) { toFloatRow<uint16_t, fp16ToFp32>(src, dst, n); }
void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *d = static_cast<uint16_t *>(dst);
    for (int64_t i = 0; i < n; ++i)
        d[i] = fp32ToFp16(src[i]);
}
float vecDot(int64_t n, const void *w, const void *a) { return dotWithFloats<uint16_t, fp16ToFp32>(n, w, a); }
} // namespace f16

namespace bf16 {
void dequantizeRow(const void *src, float *dst, int64_t n) { toFloatRow<uint16_t, bf16ToFp32>(src, dst, n); }
void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *d = static_cast<uint16_t *>(dst);
    for (int64_t i = 0; i < n; ++i)
        d[i] = fp32ToBf16(src[i]);
}
float vecDot(int64_t n, const void *w, const void *a) { return dotWithFloats<uint16_t, bf16ToFp32>(n, w, a); }
} // namespace bf16

namespace f8_e4m3 {
void dequantizeRow(const void *src, float *dst, int64_t n) { toFloatRow<uint8_t, e4m3ToFp32>(src, dst, n); }
float vecDot(int64_t n, const void *w, const void *a) { return dotWithFloats<uint8_t, e4m3ToFp32>(n, w, a); }
} // namespace f8_e4m3

} // namespace enclave::ref
