// Scale searches for the reference quantizers: try scales around the range-derived one, refit each
// candidate's levels by weighted least squares, keep the smallest weighted squared error.
#include "engine/quant/quant_math.h"

#include <algorithm>
#include <limits>

namespace enclave::ref {
namespace {

constexpr int kSearchSteps = 12;      // candidates on each side of the range-derived scale
constexpr float kSearchDelta = 0.1f;  // candidate spacing, in levels over the range

// Weighted least squares for x ~ scale * L + offset with offset <= 0. False if L is constant.
bool solveAffine(const float *x, const float *w, const uint8_t *L, int n, float &scale, float &offset)
{
    float sw = 0, sl = 0, sl2 = 0, sx = 0, slx = 0;
    for (int i = 0; i < n; ++i) {
        sw += w[i];
        sl += w[i] * L[i];
        sl2 += w[i] * L[i] * L[i];
        sx += w[i] * x[i];
        slx += w[i] * L[i] * x[i];
    }
    const float det = sw * sl2 - sl * sl;
    if (det <= 0 || sl2 <= 0)
        return false;
    scale = (sw * slx - sx * sl) / det;
    offset = (sl2 * sx - sl * slx) / det;
    if (offset > 0) {
        offset = 0;
        scale = slx / sl2;
    }
    return true;
}

float affineError(const float *x, const float *w, const uint8_t *L, int n, float scale, float offset)
{
    float err = 0;
    for (int i = 0; i < n; ++i) {
        const float diff = scale * L[i] + offset - x[i];
        err += w[i] * diff * diff;
    }
    return err;
}

} // namespace

float maxAbsSigned(const float *x, int n)
{
    float best = 0;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > std::fabs(best))
            best = x[i];
    }
    return best;
}

void importanceWeights(const float *x, int n, float *w)
{
    float sumSq = 0;
    for (int i = 0; i < n; ++i)
        sumSq += x[i] * x[i];
    const float rms = std::sqrt(sumSq / float(n));
    for (int i = 0; i < n; ++i)
        w[i] = rms + std::fabs(x[i]);
}

float fitSymmetricScale(const float *x, const float *w, int n, int nmax, int8_t *L)
{
    const float peak = maxAbsSigned(x, n);
    std::fill_n(L, n, 0);
    if (std::fabs(peak) < 1e-30f)
        return 0;
    float bestScale = 0, bestScore = 0;
    int8_t cand[kMaxGroup];
    for (int step = -kSearchSteps; step <= kSearchSteps; ++step) {
        const float iscale = -(float(nmax) + kSearchDelta * float(step)) / peak;
        float slx = 0, sl2 = 0;
        for (int i = 0; i < n; ++i) {
            cand[i] = int8_t(clampInt(nearestInt(iscale * x[i]), -nmax, nmax - 1));
            slx += w[i] * x[i] * cand[i];
            sl2 += w[i] * cand[i] * cand[i];
        }
        // With the optimal scale slx / sl2 the error is sum(w x^2) - slx^2 / sl2: maximise the latter.
        if (sl2 > 0 && slx * slx > bestScore * sl2) {
            bestScore = slx * slx / sl2;
            bestScale = slx / sl2;
            std::copy_n(cand, n, L);
        }
    }
    return bestScale;
}

ScaleMin fitScaleMin(const float *x, const float *w, int n, int nmax, uint8_t *L)
{
    float lo = 0, hi = x[0];
    for (int i = 0; i < n; ++i) {
        lo = std::fmin(lo, x[i]);
        hi = std::fmax(hi, x[i]);
    }
    std::fill_n(L, n, 0);
    if (hi <= lo)
        return {0, -lo};
    ScaleMin best{(hi - lo) / float(nmax), -lo};
    float bestErr = std::numeric_limits<float>::infinity();
    uint8_t cand[kMaxGroup];
    for (int step = -kSearchSteps; step <= kSearchSteps; ++step) {
        const float iscale = (float(nmax) + kSearchDelta * float(step)) / (hi - lo);
        for (int i = 0; i < n; ++i)
            cand[i] = uint8_t(clampInt(nearestInt(iscale * (x[i] - lo)), 0, nmax));
        float scale = 0, offset = 0;
        if (!solveAffine(x, w, cand, n, scale, offset) || scale <= 0)
            continue;
        const float err = affineError(x, w, cand, n, scale, offset);
        if (err < bestErr) {
            bestErr = err;
            best = {scale, -offset};
            std::copy_n(cand, n, L);
        }
    }
    return best;
}

void fitSymmetricGroups(const float *x, int nGroups, int groupSize, int nmax, float *scales)
{
    float w[kMaxSuperBlock];
    importanceWeights(x, nGroups * groupSize, w);
    int8_t L[kMaxGroup];
    for (int g = 0; g < nGroups; ++g)
        scales[g] = fitSymmetricScale(x + g * groupSize, w + g * groupSize, groupSize, nmax, L);
}

void fitScaleMinGroups(const float *x, int nGroups, int groupSize, int nmax, float *scales, float *mins)
{
    float w[kMaxSuperBlock];
    importanceWeights(x, nGroups * groupSize, w);
    uint8_t L[kMaxGroup];
    for (int g = 0; g < nGroups; ++g) {
        const ScaleMin sm = fitScaleMin(x + g * groupSize, w + g * groupSize, groupSize, nmax, L);
        scales[g] = sm.scale;
        mins[g] = sm.min;
    }
}

void symmetricLevels(const float *x, int n, float scale, int nmax, int8_t *L)
{
    const float inv = scale != 0 ? 1.0f / scale : 0.0f;
    for (int i = 0; i < n; ++i)
        L[i] = int8_t(clampInt(nearestInt(x[i] * inv), -nmax, nmax - 1));
}

void scaleMinLevels(const float *x, int n, float scale, float min, int nmax, uint8_t *L)
{
    const float inv = scale != 0 ? 1.0f / scale : 0.0f;
    for (int i = 0; i < n; ++i)
        L[i] = uint8_t(clampInt(nearestInt((x[i] + min) * inv), 0, nmax));
}

void packScaleMinK4(const uint8_t *scales, const uint8_t *mins, uint8_t *packed)
{
    for (int j = 0; j < 4; ++j) {
        packed[j] = uint8_t((scales[j] & 63) | ((scales[j + 4] >> 4) << 6));
        packed[j + 4] = uint8_t((mins[j] & 63) | ((mins[j + 4] >> 4) << 6));
        packed[j + 8] = uint8_t((scales[j + 4] & 0xf) | ((mins[j + 4] & 0xf) << 4));
    }
}

float quantizeGroupScales(const float *v, int nGroups, int maxLevel, uint8_t *q)
{
    float peak = 0;
    for (int g = 0; g < nGroups; ++g)
        peak = std::fmax(peak, v[g]);
    const float step = peak / float(maxLevel);
    const float inv = step > 0 ? 1.0f / step : 0.0f;
    for (int g = 0; g < nGroups; ++g)
        q[g] = uint8_t(clampInt(nearestInt(inv * v[g]), 0, maxLevel));
    return step;
}

} // namespace enclave::ref
