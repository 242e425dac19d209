// ThreadPool: the low-latency fork/join pool the CPU kernels run their parallel loops on. A decode
// step dispatches hundreds of loops of tens of microseconds, so idle workers spin briefly on a
// generation counter before sleeping on a condition variable, and the caller works as worker 0.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace enclave {

// Thread contract: one dispatch at a time. Calls from different threads are serialized by a mutex
// (safe, but they wait for each other). A call made from inside a running job on the same pool
// (nested) does not dispatch: it runs the whole range inline on the calling thread, passing that
// thread's own worker index, so per-worker scratch indexed by `worker` stays race-free.
// Destruction joins the workers; it must not race with a dispatch.
class ThreadPool {
public:
    using ForFn = std::function<void(int64_t begin, int64_t end, int worker)>;
    using RunFn = std::function<void(int worker, int workers)>;

    // `threads` counts the caller; <= 0 means every CPU this process may run on.
    explicit ThreadPool(int threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool &) = delete;
    ThreadPool &operator=(const ThreadPool &) = delete;

    // Workers including the caller (>= 1).
    int size() const { return m_size; }

    // Splits [0, n) into contiguous chunks of `grain` elements or more (only the last chunk may be
    // shorter) and runs them on all workers, chunks handed out dynamically so a descheduled thread
    // does not stall the loop. Returns when every chunk finished. The first exception thrown by
    // `fn` is rethrown here once all workers stopped; chunks not yet started are then skipped.
    // n <= grain (or a single worker) runs fn(0, n, 0) inline without waking anyone.
    void parallelFor(int64_t n, const ForFn &fn, int64_t grain = 1);
    // Calls fn(worker, size()) once on every worker (worker 0 is the caller); exceptions as above.
    void run(const RunFn &fn);

    // Replaces the workers by `threads` new ones (<= 0: every CPU). Not while a dispatch runs.
    void resize(int threads);

    // Workers a pool of `threads` gets: threads itself, or the CPUs available when <= 0.
    static int resolveThreadCount(int threads);

private:
    void startWorkers();
    void stopWorkers();
    void workerLoop(int worker, uint32_t seen);
    void waitForJob(uint32_t seen);
    void dispatch();
    void waitForWorkers(uint32_t generation);
    bool workersDone(uint32_t generation, int &firstPending) const;
    void execute(int worker) noexcept;
    void runChunks(int worker);
    void recordError();
    bool runNestedInline(int64_t n, const ForFn *forFn, const RunFn *runFn);

    int m_size = 1;
    bool m_oversubscribed = false;      // more workers than CPUs: yield while spinning
    std::vector<std::thread> m_threads; // m_size - 1 workers; the caller is worker 0

    // The current job; written by the caller before m_generation is bumped.
    alignas(64) const ForFn *m_forFn = nullptr;
    const RunFn *m_runFn = nullptr;
    int64_t m_n = 0;
    int64_t m_chunk = 1;
    int64_t m_chunkCount = 0;
    std::atomic<bool> m_failed{false}; // a job threw: skip the chunks not started yet
    alignas(64) std::atomic<int64_t> m_nextChunk{0};

    // Written once per dispatch (the generation) or rarely (the rest), read by every worker.
    alignas(64) std::atomic<uint32_t> m_generation{0};
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_sleepers{0}; // workers blocked on m_wakeCv
    std::atomic<bool> m_callerSleeping{false};

    // Per worker, on its own cache line: the last generation it finished (no shared counter to
    // contend on; the caller polls them).
    struct alignas(64) WorkerSlot {
        std::atomic<uint32_t> done{0};
    };
    std::unique_ptr<WorkerSlot[]> m_slots; // [m_size]; slot 0 (the caller) unused

    std::mutex m_sleepMutex;
    std::condition_variable m_wakeCv; // workers wait here for a new generation
    std::condition_variable m_doneCv; // the caller waits here for every slot to reach the generation
    std::mutex m_callMutex;           // one dispatch at a time
    std::mutex m_errorMutex;
    std::exception_ptr m_error;
};

// The process-wide pool the kernels use, created on first use with setDefaultThreadCount()'s
// count (default: every CPU). Thread-safe to obtain; dispatching follows ThreadPool's contract.
ThreadPool &defaultThreadPool();
// Sets the default pool's size (<= 0: every CPU); resizes it in place when it already exists, so
// references stay valid. Call it at startup or between generations, never during a dispatch.
void setDefaultThreadCount(int threads);

} // namespace enclave
