// measureReadBandwidth: this machine's memory read bandwidth, the ceiling of memory-bound decoding
// (every generated token streams the active weights once), so benchmarks can report how close
// generation speed gets to it.
#pragma once

#include <cstdint>

namespace enclave {

class ThreadPool;

struct BandwidthResult {
    double readGBps = 0; // median of the repeats, 1e9 bytes per second
    int threads = 0;     // workers that read
    uint64_t bytes = 0;  // buffer size actually read per repeat
};

inline constexpr uint64_t kDefaultBandwidthBytes = uint64_t(1) << 30;

// Allocates `bytes` (rounded down to whole 4 KiB pages per worker, at least one page each), has
// each worker of `pool` write and then repeatedly sum its own contiguous slice with the widest
// loads this CPU has (AVX2, else 64-bit scalar), and returns the median of `repeats` timings.
// Blocking; uses `pool` like any dispatch. Throws std::bad_alloc if the buffer cannot be allocated.
BandwidthResult measureReadBandwidth(ThreadPool &pool, uint64_t bytes = kDefaultBandwidthBytes, int repeats = 5);

} // namespace enclave
