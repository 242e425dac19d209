// MoE routing on the GPU, a block per token, reproducing routeToken (engine/runtime/moe.cpp) step
// by step: softmax (max, exp, double sum, one reciprocal) or sigmoid scores; the selection bias;
// group-limited top-k (a group scores by its max, or V3's top-two sum; the best topkGroup groups
// stay); top-k by (value descending, index ascending); normalisation over the chosen scores summed
// in rank order, then the routed scale. Exponentials are taken in double and rounded once, which is
// the correctly rounded float that the CPU's expf returns in all but rare cases.
#include "cuda/common.cuh"
#include "cuda/cuda_check.h"
#include "cuda/forward_kernels.cuh"
#include "cuda/kernel_launch.cuh"

#include <string>

namespace enclave::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / kWarpSize;
constexpr int kMaxExperts = 1024;

struct RoutingArgs {
    int nExpert, k;
    bool sigmoid;
    bool grouped; // group-limited: nGroup > 1 and topkGroup < nGroup
    int nGroup, topkGroup;
    bool groupTopTwo, normTopK;
    float routedScale;
};

// The CPU's order: larger value first, the lower index on ties; index < 0 is "none yet".
__device__ __forceinline__ bool better(float av, int ai, float bv, int bi)
{
    if (bi < 0)
        return ai >= 0;
    if (ai < 0)
        return false;
    return av > bv || (av == bv && ai < bi);
}

// The best (value, index) over the block; every thread gets it. scratch: kWarps entries each.
__device__ void blockBest(float &value, int &index, float *values, int *indices)
{
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1) {
        const float ov = __shfl_xor_sync(kFullMask, value, offset);
        const int oi = __shfl_xor_sync(kFullMask, index, offset);
        if (better(ov, oi, value, index)) {
            value = ov;
            index = oi;
        }
    }
    if (threadIdx.x % kWarpSize == 0) {
        values[threadIdx.x / kWarpSize] = value;
        indices[threadIdx.x / kWarpSize] = index;
    }
    __syncthreads();
    value = values[0];
    index = indices[0];
    for (int w = 1; w < kWarps; ++w) {
        if (better(values[w], indices[w], value, index)) {
            value = values[w];
            index = indices[w];
        }
    }
    // note: the caller synchronises before the scratch is written again
}

template <class T, bool kMax>
__device__ T blockReduce(T v, T *scratch)
{
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1) {
        const T other = __shfl_xor_sync(kFullMask, v, offset);
        v = kMax ? (other > v ? other : v) : v + other;
    }
    if (threadIdx.x % kWarpSize == 0)
        scratch[threadIdx.x / kWarpSize] = v;
    __syncthreads();
    T r = scratch[0];
    for (int w = 1; w < kWarps; ++w)
        r = kMax ? (scratch[w] > r ? scratch[w] : r) : r + scratch[w];
    __syncthreads();
    return r;
}

__device__ __forceinline__ float expRounded(float x) { return float(exp(double(x))); }

__global__ void __launch_bounds__(kThreads)
    routingKernel(const float *__restrict__ logits, const float *__restrict__ bias, int64_t n, RoutingArgs r,
                  int32_t *__restrict__ experts, float *__restrict__ weights)
{
    __shared__ float scores[kMaxExperts], selection[kMaxExperts], groupScore[kMaxExperts];
    __shared__ bool taken[kMaxExperts], keepGroup[kMaxExperts];
    __shared__ int chosen[kMaxExperts];
    __shared__ float bestValues[kWarps], floatScratch[kWarps];
    __shared__ int bestIndices[kWarps];
    __shared__ double doubleScratch[kWarps];
    const int tid = int(threadIdx.x), nExpert = r.nExpert;

    for (int64_t t = blockIdx.x; t < n; t += gridDim.x) {
        const float *lt = logits + t * nExpert;
        if (r.sigmoid) {
            for (int e = tid; e < nExpert; e += kThreads)
                scores[e] = 1.0f / (1.0f + expRounded(-lt[e]));
        } else {
            float m = -INFINITY;
            for (int e = tid; e < nExpert; e += kThreads)
                m = fmaxf(m, lt[e]);
            m = blockReduce<float, true>(m, floatScratch);
            double sum = 0.0;
            for (int e = tid; e < nExpert; e += kThreads) {
                const float x = expRounded(lt[e] - m);
                scores[e] = x;
                sum += x;
            }
            sum = blockReduce<double, false>(sum, doubleScratch);
            const float inv = float(1.0 / sum);
            for (int e = tid; e < nExpert; e += kThreads)
                scores[e] *= inv;
        }
        for (int e = tid; e < nExpert; e += kThreads) {
            selection[e] = bias ? scores[e] + bias[e] : scores[e];
            taken[e] = false;
        }
        __syncthreads();

        if (r.grouped) {
            const int perGroup = nExpert / r.nGroup;
            for (int g = tid; g < r.nGroup; g += kThreads) {
                const float *members = selection + g * perGroup;
                float first = members[0], second = -INFINITY; // the two largest, duplicates counted
                for (int i = 1; i < perGroup; ++i) {
                    if (members[i] > first) {
                        second = first;
                        first = members[i];
                    } else if (members[i] > second) {
                        second = members[i];
                    }
                }
                groupScore[g] = r.groupTopTwo && perGroup >= 2 ? first + second : first;
                keepGroup[g] = false;
            }
            __syncthreads();
            if (tid == 0) {
                for (int i = 0; i < r.topkGroup; ++i) {
                    float bv = 0.0f;
                    int bi = -1;
                    for (int g = 0; g < r.nGroup; ++g) {
                        if (!keepGroup[g] && better(groupScore[g], g, bv, bi)) {
                            bv = groupScore[g];
                            bi = g;
                        }
                    }
                    keepGroup[bi] = true;
                }
            }
            __syncthreads();
            for (int e = tid; e < nExpert; e += kThreads) {
                const int g = e / perGroup;
                if (g < r.nGroup && !keepGroup[g])
                    selection[e] = -INFINITY;
            }
            __syncthreads();
        }

        for (int i = 0; i < r.k; ++i) {
            float bv = 0.0f;
            int bi = -1;
            for (int e = tid; e < nExpert; e += kThreads) {
                if (!taken[e] && better(selection[e], e, bv, bi)) {
                    bv = selection[e];
                    bi = e;
                }
            }
            blockBest(bv, bi, bestValues, bestIndices);
            if (tid == 0) {
                taken[bi] = true;
                chosen[i] = bi;
            }
            __syncthreads();
        }

        if (tid == 0) {
            float sum = 0.0f;
            for (int i = 0; i < r.k; ++i)
                sum += scores[chosen[i]];
            for (int i = 0; i < r.k; ++i) {
                float w = scores[chosen[i]];
                if (r.normTopK)
                    w /= sum + 1e-20f;
                w *= r.routedScale;
                experts[t * r.k + i] = chosen[i];
                weights[t * r.k + i] = w;
            }
        }
        __syncthreads(); // the next token rewrites scores and chosen
    }
}

} // namespace

void launchRouting(const float *logits, const float *bias, int64_t n, const MoeConfig &moe, int32_t *experts,
                   float *weights, cudaStream_t stream)
{
    const bool grouped = moe.nGroup > 1 && moe.topkGroup < moe.nGroup;
    requireArgument(n >= 0 && moe.nExpert >= 1 && moe.nExpert <= kMaxExperts && moe.nExpertUsed >= 1 &&
                        moe.nExpertUsed <= moe.nExpert && (!grouped || (moe.nGroup <= moe.nExpert && moe.topkGroup >= 0)),
                    "launchRouting",
                    "bad routing: " + std::to_string(moe.nExpertUsed) + " of " + std::to_string(moe.nExpert) +
                        " experts (at most " + std::to_string(kMaxExperts) + "), " + std::to_string(moe.topkGroup) +
                        " of " + std::to_string(moe.nGroup) + " groups");
    if (n == 0)
        return;
    RoutingArgs r{};
    r.nExpert = int(moe.nExpert);
    r.k = int(moe.nExpertUsed);
    r.sigmoid = moe.gating == ExpertGating::Sigmoid;
    r.grouped = grouped;
    r.nGroup = grouped ? int(moe.nGroup) : 1;
    r.topkGroup = grouped ? int(moe.topkGroup) : 1;
    r.groupTopTwo = moe.groupScoreTopTwo;
    r.normTopK = moe.normTopK;
    r.routedScale = float(moe.routedScale);
    routingKernel<<<gridBlocks(n, 1), kThreads, 0, stream>>>(logits, bias, n, r, experts, weights);
    CUDA_CHECK(cudaGetLastError());
}

} // namespace enclave::cuda
