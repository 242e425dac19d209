// ThreadPool: a generation counter wakes the workers (spin first, then a condition variable), a
// chunk counter hands out the loop, and per-worker "done" slots tell the caller when all finished.
// note: every sleep/wake pair is a store-then-load on both sides with seq_cst atomics, so a waker
// either sees the sleeper's counter or the sleeper sees the new value before blocking.
#include "engine/cpu/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace enclave {
namespace {

// How long an idle worker (or the waiting caller) spins before it sleeps: longer than the serial
// gaps between the loops of one decode step, short enough not to burn a core between tokens.
constexpr auto kSpinBudget = std::chrono::microseconds(200);
// Spins between clock reads (and yields when there are more workers than CPUs).
constexpr int kSpinsPerCheck = 64;
// Chunks per worker in parallelFor: enough to rebalance around a descheduled thread.
constexpr int64_t kChunksPerWorker = 4;
constexpr int kMaxThreads = 1024;

// The pool whose job this thread is running, and its worker index there (nested-call detection).
thread_local const ThreadPool *t_currentPool = nullptr;
thread_local int t_currentWorker = 0;

class CurrentJobScope {
public:
    CurrentJobScope(const ThreadPool *pool, int worker)
        : m_previousPool(t_currentPool), m_previousWorker(t_currentWorker)
    {
        t_currentPool = pool;
        t_currentWorker = worker;
    }
    ~CurrentJobScope()
    {
        t_currentPool = m_previousPool;
        t_currentWorker = m_previousWorker;
    }

private:
    const ThreadPool *m_previousPool;
    int m_previousWorker;
};

inline void cpuRelax()
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

int availableCpus()
{
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
#endif
    return std::max(1u, std::thread::hardware_concurrency());
}

// Spins until done() or the budget runs out; true when done() became true.
template <class Done> bool spinUntil(Done done, bool yieldWhileSpinning)
{
    const auto start = std::chrono::steady_clock::now();
    for (int spins = 1;; ++spins) {
        if (done())
            return true;
        cpuRelax();
        if (spins % kSpinsPerCheck == 0) {
            if (yieldWhileSpinning)
                std::this_thread::yield();
            if (std::chrono::steady_clock::now() - start > kSpinBudget)
                return done();
        }
    }
}

} // namespace

int ThreadPool::resolveThreadCount(int threads)
{
    return std::clamp(threads > 0 ? threads : availableCpus(), 1, kMaxThreads);
}

ThreadPool::ThreadPool(int threads) : m_size(resolveThreadCount(threads)) { startWorkers(); }

ThreadPool::~ThreadPool() { stopWorkers(); }

void ThreadPool::resize(int threads)
{
    std::lock_guard call(m_callMutex);
    stopWorkers();
    m_size = resolveThreadCount(threads);
    startWorkers();
}

void ThreadPool::startWorkers()
{
    m_stop.store(false);
    m_oversubscribed = m_size > availableCpus();
    m_threads.reserve(size_t(m_size - 1));
    // The generation is read here, not in the thread: a dispatch may bump it before a new thread runs.
    const uint32_t generation = m_generation.load();
    m_slots = std::make_unique<WorkerSlot[]>(size_t(m_size));
    for (int w = 0; w < m_size; ++w)
        m_slots[w].done.store(generation);
    for (int w = 1; w < m_size; ++w)
        m_threads.emplace_back([this, w, generation] { workerLoop(w, generation); });
}

void ThreadPool::stopWorkers()
{
    m_stop.store(true);
    m_generation.fetch_add(1);
    {
        std::lock_guard lock(m_sleepMutex);
    }
    m_wakeCv.notify_all();
    for (std::thread &t : m_threads)
        t.join();
    m_threads.clear();
}

void ThreadPool::workerLoop(int worker, uint32_t seen)
{
    for (;;) {
        waitForJob(seen);
        seen = m_generation.load(std::memory_order_acquire);
        if (m_stop.load(std::memory_order_acquire))
            return;
        execute(worker);
        m_slots[worker].done.store(seen);
        if (m_callerSleeping.load()) {
            {
                std::lock_guard lock(m_sleepMutex);
            }
            m_doneCv.notify_one();
        }
    }
}

void ThreadPool::waitForJob(uint32_t seen)
{
    const auto changed = [this, seen] { return m_generation.load(std::memory_order_acquire) != seen; };
    if (spinUntil(changed, m_oversubscribed))
        return;
    std::unique_lock lock(m_sleepMutex);
    m_sleepers.fetch_add(1);
    m_wakeCv.wait(lock, [this, seen] { return m_generation.load() != seen; });
    m_sleepers.fetch_sub(1);
}

bool ThreadPool::workersDone(uint32_t generation, int &firstPending) const
{
    for (; firstPending < m_size; ++firstPending)
        if (m_slots[firstPending].done.load(std::memory_order_acquire) != generation)
            return false;
    return true;
}

void ThreadPool::waitForWorkers(uint32_t generation)
{
    int firstPending = 1;
    const auto finished = [this, generation, &firstPending] { return workersDone(generation, firstPending); };
    if (spinUntil(finished, m_oversubscribed))
        return;
    std::unique_lock lock(m_sleepMutex);
    m_callerSleeping.store(true);
    m_doneCv.wait(lock, finished);
    m_callerSleeping.store(false);
}

void ThreadPool::dispatch()
{
    if (m_failed.load(std::memory_order_relaxed))
        m_failed.store(false, std::memory_order_relaxed);
    m_nextChunk.store(m_size, std::memory_order_relaxed); // chunks below m_size are preassigned
    const uint32_t generation = m_generation.fetch_add(1) + 1; // publishes the job fields above
    if (m_sleepers.load() > 0) {
        {
            std::lock_guard lock(m_sleepMutex);
        }
        m_wakeCv.notify_all();
    }
    execute(0);
    waitForWorkers(generation);
    m_forFn = nullptr;
    m_runFn = nullptr;
    if (m_error) {
        std::exception_ptr error = std::move(m_error);
        m_error = nullptr;
        std::rethrow_exception(error);
    }
}

void ThreadPool::execute(int worker) noexcept
{
    CurrentJobScope scope(this, worker);
    try {
        if (m_runFn)
            (*m_runFn)(worker, m_size);
        else
            runChunks(worker);
    } catch (...) {
        recordError();
    }
}

// Worker w first runs chunk w (no shared counter touched), then takes the chunks from m_size on
// from the shared counter; it is read before it is incremented, so a finished loop costs no write.
void ThreadPool::runChunks(int worker)
{
    int64_t chunk = worker;
    while (chunk < m_chunkCount && !m_failed.load(std::memory_order_relaxed)) {
        const int64_t begin = chunk * m_chunk;
        (*m_forFn)(begin, std::min(m_n, begin + m_chunk), worker);
        if (m_nextChunk.load(std::memory_order_relaxed) >= m_chunkCount)
            return;
        chunk = m_nextChunk.fetch_add(1, std::memory_order_relaxed);
    }
}

void ThreadPool::recordError()
{
    std::lock_guard lock(m_errorMutex);
    if (!m_error)
        m_error = std::current_exception();
    m_failed.store(true, std::memory_order_relaxed);
}

bool ThreadPool::runNestedInline(int64_t n, const ForFn *forFn, const RunFn *runFn)
{
    if (t_currentPool != this)
        return false;
    if (runFn)
        throw std::logic_error("ThreadPool::run: nested call from a job of the same pool cannot reach every worker");
    if (n > 0)
        (*forFn)(0, n, t_currentWorker);
    return true;
}

void ThreadPool::parallelFor(int64_t n, const ForFn &fn, int64_t grain)
{
    if (n <= 0 || runNestedInline(n, &fn, nullptr))
        return;
    grain = std::max<int64_t>(grain, 1);
    std::lock_guard call(m_callMutex);
    if (m_size == 1 || n <= grain) {
        CurrentJobScope scope(this, 0);
        fn(0, n, 0);
        return;
    }
    const int64_t perWorker = (n + m_size * kChunksPerWorker - 1) / (m_size * kChunksPerWorker);
    m_chunk = std::max(grain, perWorker);
    m_chunkCount = (n + m_chunk - 1) / m_chunk;
    m_n = n;
    m_forFn = &fn;
    m_runFn = nullptr;
    dispatch();
}

void ThreadPool::run(const RunFn &fn)
{
    runNestedInline(0, nullptr, &fn);
    std::lock_guard call(m_callMutex);
    if (m_size == 1) {
        CurrentJobScope scope(this, 0);
        fn(0, 1);
        return;
    }
    m_forFn = nullptr;
    m_runFn = &fn;
    dispatch();
}

namespace {

struct DefaultPoolState {
    std::mutex mutex;
    int threads = 0;
    std::unique_ptr<ThreadPool> pool;
    std::atomic<ThreadPool *> ready{nullptr};
};

DefaultPoolState &defaultPoolState()
{
    static DefaultPoolState state;
    return state;
}

} // namespace

ThreadPool &defaultThreadPool()
{
    DefaultPoolState &state = defaultPoolState();
    if (ThreadPool *pool = state.ready.load(std::memory_order_acquire))
        return *pool;
    std::lock_guard lock(state.mutex);
    if (!state.pool) {
        state.pool = std::make_unique<ThreadPool>(state.threads);
        state.ready.store(state.pool.get(), std::memory_order_release);
    }
    return *state.pool;
}

void setDefaultThreadCount(int threads)
{
    DefaultPoolState &state = defaultPoolState();
    std::lock_guard lock(state.mutex);
    state.threads = threads;
    if (state.pool && state.pool->size() != ThreadPool::resolveThreadCount(threads))
        state.pool->resize(threads);
}

} // namespace enclave
