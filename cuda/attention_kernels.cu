// Causal attention on the GPU, standard (GQA) and DeepSeek's absorbed latent form, as one kernel:
// a query head scores q1·k1[p] + q2·k2[p] (k2 only for MLA's rope part) and averages v[p].
//
// A block takes one token, up to H query heads that read the same keys and values (a GQA group, or
// MLA's heads, which all read the one latent), and one span of positions ("split"). It walks the
// span in chunks of kChunk positions: a warp per position scores it for all H heads, then the
// chunk's softmax is folded into running maxima and sums (online softmax) and each thread
// accumulates its output dimensions. With one split per token the block writes the normalised
// output; with several, each writes its unnormalised sums with their maximum and total weight, and
// a merge kernel combines the splits by log-sum-exp. Splits exist only to give a decode step (few
// tokens × heads) enough blocks; prompt chunks run one split per token.
#include "cuda/common.cuh"
#include "cuda/cuda_check.h"
#include "cuda/forward_kernels.cuh"
#include "cuda/kernel_launch.cuh"

#include <algorithm>
#include <climits>
#include <string>

namespace enclave::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / kWarpSize;
constexpr int kChunk = 64;                   // positions scored per step
constexpr int64_t kMinSpan = 256;            // fewest positions worth a split of their own
constexpr int64_t kTargetHeadSplits = 8192;  // (token, head, split) triples a launch aims for
constexpr int kMaxQDims = 1024;              // q1 + q2 floats per head (shared memory: H × this)
constexpr int kMaxVDims = 4 * kThreads;      // v floats per head: up to 4 per thread

struct AttentionArgs {
    const float *q1; // [n, nHead, dim1] at t * q1Token + h * q1Head
    int64_t q1Token, q1Head;
    int dim1;
    const float *q2; // MLA rope part, dim2 floats per head (dim2 = 0: none)
    int64_t q2Token, q2Head;
    int dim2;
    const float *k1; // position p, kv head g: k1 + p * k1Pos + g * k1Head
    int64_t k1Pos, k1Head;
    const float *k2;
    int64_t k2Pos, k2Head;
    const float *v;
    int64_t vPos, vHead;
    int dimV;
    float *out; // token t, head h: out + t * outToken + h * outHead
    int64_t outToken, outHead;
    int64_t n, firstPos, nHead, nHeadKv;
    int64_t group;  // query heads per kv head
    int subgroups;  // blocks per (token, kv head): ceil(group / H)
    float scale;
    int splits;     // 1: write out directly
    int64_t span;   // positions per split
    float *partialAcc; // [n, nHead, splits, dimV] unnormalised sums
    float *partialMl;  // [n, nHead, splits, 2] running maximum and total weight
};

template <int H, int VPT>
__global__ void __launch_bounds__(kThreads) attentionKernel(const AttentionArgs a)
{
    extern __shared__ float shared[];
    const int dimQ = a.dim1 + a.dim2;
    float *qs = shared;               // [H][dimQ] the block's queries
    float *ps = shared + H * dimQ;    // [H][kChunk] scores, then weights, of the chunk
    __shared__ float mRun[H], lRun[H], alpha[H];

    const int sub = int(blockIdx.x % unsigned(a.subgroups));
    const int64_t tokenKv = blockIdx.x / unsigned(a.subgroups);
    const int64_t kvh = tokenKv % a.nHeadKv, t = tokenKv / a.nHeadKv;
    const int64_t h0 = kvh * a.group + int64_t(sub) * H;
    const int heads = int(min(int64_t(H), a.group - int64_t(sub) * H)); // heads of this block
    const int64_t last = a.firstPos + t;                                  // causal limit
    const int64_t begin = int64_t(blockIdx.y) * a.span;
    if (begin > last)
        return; // a split past this token's positions: the merge ignores it
    const int64_t end = min(begin + a.span, last + 1);
    const int tid = int(threadIdx.x), lane = tid % kWarpSize, warp = tid / kWarpSize;

    for (int idx = tid; idx < H * dimQ; idx += kThreads) {
        const int j = idx / dimQ, d = idx % dimQ;
        float value = 0.0f; // absent heads score 0 and are never written
        if (j < heads) {
            const int64_t h = h0 + j;
            value = d < a.dim1 ? a.q1[t * a.q1Token + h * a.q1Head + d]
                               : a.q2[t * a.q2Token + h * a.q2Head + (d - a.dim1)];
        }
        qs[idx] = value;
    }
    if (tid < H) {
        mRun[tid] = -INFINITY;
        lRun[tid] = 0.0f;
    }
    float acc[H][VPT];
#pragma unroll
    for (int j = 0; j < H; ++j)
#pragma unroll
        for (int v = 0; v < VPT; ++v)
            acc[j][v] = 0.0f;
    __syncthreads();

    const float *k1 = a.k1 + kvh * a.k1Head;
    const float *vHeadBase = a.v + kvh * a.vHead;
    for (int64_t c0 = begin; c0 < end; c0 += kChunk) {
        const int count = int(min(int64_t(kChunk), end - c0));
        // Scores: a warp per position, lanes across the dimensions.
        for (int i = warp; i < count; i += kWarps) {
            const int64_t p = c0 + i;
            float part[H];
#pragma unroll
            for (int j = 0; j < H; ++j)
                part[j] = 0.0f;
            const float *kp = k1 + p * a.k1Pos;
            for (int d = lane; d < a.dim1; d += kWarpSize) {
                const float k = kp[d];
#pragma unroll
                for (int j = 0; j < H; ++j)
                    part[j] = fmaf(qs[j * dimQ + d], k, part[j]);
            }
            if (a.dim2 > 0) {
                const float *kp2 = a.k2 + kvh * a.k2Head + p * a.k2Pos;
                for (int d = lane; d < a.dim2; d += kWarpSize) {
                    const float k = kp2[d];
#pragma unroll
                    for (int j = 0; j < H; ++j)
                        part[j] = fmaf(qs[j * dimQ + a.dim1 + d], k, part[j]);
                }
            }
#pragma unroll
            for (int j = 0; j < H; ++j) {
                const float dot = warpSum(part[j]);
                if (lane == 0)
                    ps[j * kChunk + i] = dot * a.scale;
            }
        }
        __syncthreads();
        // Online softmax: a warp per head folds the chunk into its running maximum and sum.
        for (int j = warp; j < H; j += kWarps) {
            float *pj = ps + j * kChunk;
            const float mOld = mRun[j];
            float chunkMax = -INFINITY;
            for (int i = lane; i < count; i += kWarpSize)
                chunkMax = fmaxf(chunkMax, pj[i]);
            const float mNew = fmaxf(mOld, warpMax(chunkMax));
            float sum = 0.0f;
            for (int i = lane; i < count; i += kWarpSize) {
                const float e = expf(pj[i] - mNew);
                pj[i] = e;
                sum += e;
            }
            sum = warpSum(sum);
            if (lane == 0) {
                const float rescale = expf(mOld - mNew); // 0 for the first chunk (mOld = -inf)
                alpha[j] = rescale;
                lRun[j] = lRun[j] * rescale + sum;
                mRun[j] = mNew;
            }
        }
        __syncthreads();
        // Outputs: each thread owns dimensions tid + v * kThreads of every head.
#pragma unroll
        for (int j = 0; j < H; ++j) {
            const float rescale = alpha[j];
#pragma unroll
            for (int v = 0; v < VPT; ++v)
                acc[j][v] *= rescale;
        }
        const float *vp = vHeadBase + c0 * a.vPos;
        for (int i = 0; i < count; ++i, vp += a.vPos) {
            float value[VPT];
#pragma unroll
            for (int v = 0; v < VPT; ++v) {
                const int d = tid + v * kThreads;
                value[v] = d < a.dimV ? vp[d] : 0.0f;
            }
#pragma unroll
            for (int j = 0; j < H; ++j) {
                const float w = ps[j * kChunk + i];
#pragma unroll
                for (int v = 0; v < VPT; ++v)
                    acc[j][v] = fmaf(w, value[v], acc[j][v]);
            }
        }
        __syncthreads(); // ps is rewritten by the next chunk
    }

#pragma unroll
    for (int j = 0; j < H; ++j) {
        if (j >= heads)
            continue;
        const int64_t h = h0 + j;
        if (a.splits == 1) {
            float *o = a.out + t * a.outToken + h * a.outHead;
#pragma unroll
            for (int v = 0; v < VPT; ++v) {
                const int d = tid + v * kThreads;
                if (d < a.dimV)
                    o[d] = acc[j][v] / lRun[j];
            }
        } else {
            const int64_t slot = (t * a.nHead + h) * a.splits + blockIdx.y;
#pragma unroll
            for (int v = 0; v < VPT; ++v) {
                const int d = tid + v * kThreads;
                if (d < a.dimV)
                    a.partialAcc[slot * a.dimV + d] = acc[j][v];
            }
            if (tid == 0) {
                a.partialMl[2 * slot] = mRun[j];
                a.partialMl[2 * slot + 1] = lRun[j];
            }
        }
    }
}

// Maximum or sum over the block; every thread gets the result. `scratch`: kWarps floats.
template <bool kMax>
__device__ float blockReduce(float v, float *scratch)
{
    v = kMax ? warpMax(v) : warpSum(v);
    if (threadIdx.x % kWarpSize == 0)
        scratch[threadIdx.x / kWarpSize] = v;
    __syncthreads();
    float r = scratch[0];
    for (int w = 1; w < kWarps; ++w)
        r = kMax ? fmaxf(r, scratch[w]) : r + scratch[w];
    __syncthreads(); // scratch is reused by the next reduction
    return r;
}

// Block per (token, head): out = Σ_s e^(m_s - M) acc_s / Σ_s e^(m_s - M) l_s over the splits that
// hold positions of the token. Dynamic shared memory: splits floats.
__global__ void __launch_bounds__(kThreads) mergeSplitsKernel(const AttentionArgs a)
{
    extern __shared__ float splitWeight[];
    __shared__ float reduction[kWarps];
    const int tid = int(threadIdx.x);
    for (int64_t th = blockIdx.x; th < a.n * a.nHead; th += gridDim.x) {
        const int64_t t = th / a.nHead, h = th % a.nHead;
        const int64_t positions = a.firstPos + t + 1;
        const int used = int((positions + a.span - 1) / a.span);
        const float *ml = a.partialMl + 2 * th * a.splits;
        float m = -INFINITY;
        for (int s = tid; s < used; s += kThreads)
            m = fmaxf(m, ml[2 * s]);
        m = blockReduce<true>(m, reduction);
        float l = 0.0f;
        for (int s = tid; s < used; s += kThreads) {
            const float w = expf(ml[2 * s] - m);
            splitWeight[s] = w;
            l += w * ml[2 * s + 1];
        }
        l = blockReduce<false>(l, reduction); // its barriers also publish splitWeight
        const float *acc = a.partialAcc + th * a.splits * a.dimV;
        float *o = a.out + t * a.outToken + h * a.outHead;
        for (int d = tid; d < a.dimV; d += kThreads) {
            float sum = 0.0f;
            for (int s = 0; s < used; ++s)
                sum = fmaf(splitWeight[s], acc[int64_t(s) * a.dimV + d], sum);
            o[d] = sum / l;
        }
        __syncthreads(); // splitWeight is rewritten for the next head
    }
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Splits for n tokens × nHead heads over `context` positions: enough (token, head, split) triples
// to fill the GPU, never a split under kMinSpan positions. Non-decreasing in context, so scratch
// sized for the largest context covers every launch.
int64_t splitsFor(int64_t n, int64_t nHead, int64_t context)
{
    if (n <= 0 || nHead <= 0 || context <= 0)
        return 1;
    const int64_t wanted = ceilDiv(kTargetHeadSplits, n * nHead);
    return std::max<int64_t>(1, std::min(wanted, ceilDiv(context, kMinSpan)));
}

int64_t scratchFloats(int64_t n, int64_t nHead, int64_t dimV, int64_t maxContext)
{
    const int64_t splits = splitsFor(n, nHead, maxContext);
    return splits > 1 ? n * nHead * splits * (dimV + 2) : 0;
}

template <int H, int VPT>
void launchHeads(const AttentionArgs &a, dim3 grid, size_t sharedBytes, cudaStream_t stream)
{
    attentionKernel<H, VPT><<<grid, kThreads, sharedBytes, stream>>>(a);
}

template <int H>
void launchValueWidth(const AttentionArgs &a, dim3 grid, size_t sharedBytes, cudaStream_t stream)
{
    if (a.dimV <= kThreads)
        launchHeads<H, 1>(a, grid, sharedBytes, stream);
    else if (a.dimV <= 2 * kThreads)
        launchHeads<H, 2>(a, grid, sharedBytes, stream);
    else
        launchHeads<H, 4>(a, grid, sharedBytes, stream);
}

// Fills in the block layout and splits, then launches the attention and (with splits) the merge.
void runAttention(const char *launcher, AttentionArgs a, float *scratch, cudaStream_t stream)
{
    requireArgument(a.dim1 + a.dim2 <= kMaxQDims && a.dimV <= kMaxVDims, launcher,
                    "head too wide: " + std::to_string(a.dim1 + a.dim2) + " query/key floats (at most " +
                        std::to_string(kMaxQDims) + "), " + std::to_string(a.dimV) + " value floats (at most " +
                        std::to_string(kMaxVDims) + ")");
    const int headsPerBlock = a.group >= 5 ? 8 : (a.group >= 3 ? 4 : int(a.group));
    a.subgroups = int(ceilDiv(a.group, headsPerBlock));
    const int64_t blocks = a.n * a.nHeadKv * a.subgroups;
    requireArgument(blocks <= INT_MAX, launcher, "too many tokens × heads: " + std::to_string(blocks));
    const int64_t context = a.firstPos + a.n;
    const int64_t wanted = splitsFor(a.n, a.nHead, context);
    a.span = ceilDiv(ceilDiv(context, wanted), kChunk) * kChunk;
    a.splits = int(ceilDiv(context, a.span));
    if (a.splits > 1) {
        requireArgument(scratch != nullptr, launcher, "no scratch for " + std::to_string(a.splits) + " splits");
        a.partialAcc = scratch;
        a.partialMl = scratch + a.n * a.nHead * a.splits * a.dimV;
    }
    const dim3 grid(unsigned(blocks), unsigned(a.splits));
    const size_t sharedBytes = size_t(headsPerBlock) * size_t(a.dim1 + a.dim2 + kChunk) * sizeof(float);
    switch (headsPerBlock) {
    case 1: launchValueWidth<1>(a, grid, sharedBytes, stream); break;
    case 2: launchValueWidth<2>(a, grid, sharedBytes, stream); break;
    case 4: launchValueWidth<4>(a, grid, sharedBytes, stream); break;
    default: launchValueWidth<8>(a, grid, sharedBytes, stream); break;
    }
    CUDA_CHECK(cudaGetLastError());
    if (a.splits > 1) {
        mergeSplitsKernel<<<gridBlocks(a.n * a.nHead, 1), kThreads, size_t(a.splits) * sizeof(float), stream>>>(a);
        CUDA_CHECK(cudaGetLastError());
    }
}

} // namespace

int64_t attentionScratchFloats(int64_t n, int64_t nHead, int64_t headDimV, int64_t maxContext)
{
    return scratchFloats(n, nHead, headDimV, maxContext);
}

int64_t latentAttentionScratchFloats(int64_t n, int64_t nHead, int64_t rank, int64_t maxContext)
{
    return scratchFloats(n, nHead, rank, maxContext);
}

void launchAttention(const float *q, int64_t qStride, const float *kCache, const float *vCache, float *out,
                     int64_t n, int64_t firstPos, int64_t nHead, int64_t nHeadKv, int64_t headDim, int64_t headDimV,
                     float scale, float *scratch, cudaStream_t stream)
{
    const char *launcher = "launchAttention";
    requireArgument(n >= 0 && firstPos >= 0 && nHead >= 1 && nHeadKv >= 1 && nHead % nHeadKv == 0 &&
                        headDim >= 1 && headDimV >= 1 && qStride >= nHead * headDim,
                    launcher,
                    "bad shape: n " + std::to_string(n) + ", firstPos " + std::to_string(firstPos) + ", heads " +
                        std::to_string(nHead) + "/" + std::to_string(nHeadKv) + ", head dims " +
                        std::to_string(headDim) + "/" + std::to_string(headDimV) + ", q stride " +
                        std::to_string(qStride));
    if (n == 0)
        return;
    requireArgument(headDim <= kMaxQDims && headDimV <= kMaxVDims, launcher,
                    "head dims " + std::to_string(headDim) + "/" + std::to_string(headDimV) + " too wide");
    AttentionArgs a{};
    a.q1 = q;
    a.q1Token = qStride;
    a.q1Head = headDim;
    a.dim1 = int(headDim);
    a.k1 = kCache;
    a.k1Pos = nHeadKv * headDim;
    a.k1Head = headDim;
    a.v = vCache;
    a.vPos = nHeadKv * headDimV;
    a.vHead = headDimV;
    a.dimV = int(headDimV);
    a.out = out;
    a.outToken = nHead * headDimV;
    a.outHead = headDimV;
    a.n = n;
    a.firstPos = firstPos;
    a.nHead = nHead;
    a.nHeadKv = nHeadKv;
    a.group = nHead / nHeadKv;
    a.scale = scale;
    runAttention(launcher, a, scratch, stream);
}

void launchLatentAttention(const float *qLatent, const float *qRope, const float *latent, const float *rope,
                           float *out, int64_t n, int64_t firstPos, int64_t nHead, int64_t rank, int64_t ropeDim,
                           float scale, float *scratch, cudaStream_t stream)
{
    const char *launcher = "launchLatentAttention";
    requireArgument(n >= 0 && firstPos >= 0 && nHead >= 1 && rank >= 1 && ropeDim >= 0, launcher,
                    "bad shape: n " + std::to_string(n) + ", firstPos " + std::to_string(firstPos) + ", heads " +
                        std::to_string(nHead) + ", rank " + std::to_string(rank) + ", rope dims " +
                        std::to_string(ropeDim));
    if (n == 0)
        return;
    requireArgument(rank + ropeDim <= kMaxQDims && rank <= kMaxVDims, launcher,
                    "rank " + std::to_string(rank) + " + rope " + std::to_string(ropeDim) + " too wide");
    AttentionArgs a{};
    a.q1 = qLatent;
    a.q1Token = nHead * rank;
    a.q1Head = rank;
    a.dim1 = int(rank);
    a.q2 = qRope;
    a.q2Token = nHead * ropeDim;
    a.q2Head = ropeDim;
    a.dim2 = int(ropeDim);
    a.k1 = latent; // one latent for all heads: kv head 0
    a.k1Pos = rank;
    a.k2 = rope;
    a.k2Pos = ropeDim;
    a.v = latent;
    a.vPos = rank;
    a.dimV = int(rank);
    a.out = out;
    a.outToken = nHead * rank;
    a.outHead = rank;
    a.n = n;
    a.firstPos = firstPos;
    a.nHead = nHead;
    a.nHeadKv = 1;
    a.group = nHead;
    a.scale = scale;
    runAttention(launcher, a, scratch, stream);
}

} // namespace enclave::cuda
