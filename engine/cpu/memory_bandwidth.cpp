// Read bandwidth: a page-aligned buffer split into one slice per worker, first-touched by the
// worker that later reads it (so NUMA places it locally), summed with 256-bit loads.
// note: the sums go to a volatile sink so the compiler cannot drop the reads.
#include "engine/cpu/memory_bandwidth.h"

#include "engine/cpu/thread_pool.h"
#include "engine/cpu/vec_dot.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ENCLAVE_BANDWIDTH_X86 1
#endif

namespace enclave {
namespace {

constexpr uint64_t kPageBytes = 4096;
constexpr uint64_t kWordsPerPage = kPageBytes / sizeof(uint64_t);

volatile uint64_t g_sink = 0;

struct FreeDeleter {
    void operator()(uint64_t *p) const { std::free(p); }
};

uint64_t sumScalar(const uint64_t *p, uint64_t words)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (uint64_t i = 0; i + 4 <= words; i += 4) {
        a += p[i];
        b += p[i + 1];
        c += p[i + 2];
        d += p[i + 3];
    }
    return a + b + c + d;
}

#if ENCLAVE_BANDWIDTH_X86
// 128 bytes (two cache lines) per iteration in four independent accumulators; words is a multiple
// of a page, so there is no tail.
__attribute__((target("avx2"))) uint64_t sumAvx2(const uint64_t *p, uint64_t words)
{
    const __m256i *v = reinterpret_cast<const __m256i *>(p);
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    for (uint64_t i = 0; i + 4 <= words / 4; i += 4) {
        a = _mm256_add_epi64(a, _mm256_load_si256(v + i));
        b = _mm256_add_epi64(b, _mm256_load_si256(v + i + 1));
        c = _mm256_add_epi64(c, _mm256_load_si256(v + i + 2));
        d = _mm256_add_epi64(d, _mm256_load_si256(v + i + 3));
    }
    const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d));
    alignas(32) uint64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i *>(lanes), s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

using SumFn = uint64_t (*)(const uint64_t *, uint64_t);

SumFn bestSum()
{
#if ENCLAVE_BANDWIDTH_X86
    if (cpuSupports(CpuKernelLevel::Avx2))
        return sumAvx2;
#endif
    return sumScalar;
}

} // namespace

BandwidthResult measureReadBandwidth(ThreadPool &pool, uint64_t bytes, int repeats)
{
    const int workers = pool.size();
    const uint64_t slicePages = std::max<uint64_t>(1, bytes / uint64_t(workers) / kPageBytes);
    const uint64_t sliceWords = slicePages * kWordsPerPage;
    const uint64_t totalBytes = sliceWords * sizeof(uint64_t) * uint64_t(workers);
    std::unique_ptr<uint64_t, FreeDeleter> buffer(static_cast<uint64_t *>(std::aligned_alloc(kPageBytes, totalBytes)));
    if (!buffer)
        throw std::bad_alloc();
    uint64_t *data = buffer.get();

    pool.run([&](int worker, int) {
        uint64_t *slice = data + uint64_t(worker) * sliceWords;
        for (uint64_t i = 0; i < sliceWords; ++i)
            slice[i] = i ^ uint64_t(worker);
    });

    const SumFn sum = bestSum();
    std::vector<uint64_t> sums(size_t(workers) * 8); // one cache line per worker
    std::vector<double> times;
    for (int r = 0; r < std::max(1, repeats); ++r) {
        const auto start = std::chrono::steady_clock::now();
        pool.run([&](int worker, int) {
            sums[size_t(worker) * 8] = sum(data + uint64_t(worker) * sliceWords, sliceWords);
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        times.push_back(seconds);
        uint64_t total = 0;
        for (int w = 0; w < workers; ++w)
            total += sums[size_t(w) * 8];
        g_sink = g_sink + total;
    }
    // The median pass: a shared machine's neighbours make single passes both slower and (rarely,
    // when a pass overlaps a quiet moment of a throttled host) faster than what a run can count on.
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    return BandwidthResult{double(totalBytes) / std::max(times[times.size() / 2], 1e-9) / 1e9, workers, totalBytes};
}

} // namespace enclave
