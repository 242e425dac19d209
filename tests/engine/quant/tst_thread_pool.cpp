// ThreadPool: every index covered exactly once in chunks of at least `grain` for many pool sizes,
// run() reaching every worker, exceptions reaching the caller, nested and concurrent calls, the
// default pool, and 100k tiny dispatches (their mean latency is printed, never asserted).
#include "engine/cpu/thread_pool.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

using enclave::ThreadPool;

namespace {

const int kThreadCounts[] = {1, 2, 3, 4, 8};
const int64_t kSizes[] = {0, 1, 2, 3, 7, 64, 100, 1000, 4097};
const int64_t kGrains[] = {1, 2, 7, 64, 5000};
constexpr int kStressDispatches = 100000;

double microsecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

class TestThreadPool : public QObject {
    Q_OBJECT

private slots:
    void sizeResolvesDefault()
    {
        QCOMPARE(ThreadPool(3).size(), 3);
        QVERIFY(ThreadPool(0).size() >= 1);
        QCOMPARE(ThreadPool(-5).size(), ThreadPool::resolveThreadCount(0));
    }

    void parallelForCoversEveryIndexOnce()
    {
        for (int threads : kThreadCounts) {
            ThreadPool pool(threads);
            for (int64_t n : kSizes) {
                for (int64_t grain : kGrains) {
                    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
                    std::atomic<bool> badChunk{false};
                    pool.parallelFor(
                        n,
                        [&](int64_t begin, int64_t end, int worker) {
                            if (begin >= end || (end - begin < grain && end != n) || worker < 0 ||
                                worker >= pool.size())
                                badChunk = true;
                            for (int64_t i = begin; i < end; ++i)
                                hits[size_t(i)].fetch_add(1);
                        },
                        grain);
                    const QByteArray where = QByteArray::number(threads) + " threads, n " + QByteArray::number(n) +
                                             ", grain " + QByteArray::number(grain);
                    QVERIFY2(!badChunk, where.constData());
                    for (int64_t i = 0; i < n; ++i)
                        QVERIFY2(hits[size_t(i)].load() == 1, (where + ", index " + QByteArray::number(i)).constData());
                }
            }
        }
    }

    void parallelForUsesSeveralWorkers()
    {
        ThreadPool pool(4);
        std::set<std::thread::id> seen;
        std::mutex mutex;
        for (int attempt = 0; attempt < 100 && seen.size() < 2; ++attempt) {
            pool.parallelFor(4000, [&](int64_t, int64_t, int) {
                std::this_thread::sleep_for(std::chrono::microseconds(50));
                std::lock_guard lock(mutex);
                seen.insert(std::this_thread::get_id());
            });
        }
        QVERIFY(seen.size() >= 2);
    }

    void runReachesEveryWorkerOnce()
    {
        for (int threads : kThreadCounts) {
            ThreadPool pool(threads);
            for (int repeat = 0; repeat < 50; ++repeat) {
                std::vector<std::atomic<int>> calls(static_cast<size_t>(threads));
                std::vector<std::thread::id> ids(static_cast<size_t>(threads));
                std::atomic<bool> wrongCount{false};
                pool.run([&](int worker, int workers) {
                    if (workers != threads)
                        wrongCount = true;
                    calls[size_t(worker)].fetch_add(1);
                    ids[size_t(worker)] = std::this_thread::get_id();
                });
                QVERIFY(!wrongCount);
                for (int w = 0; w < threads; ++w)
                    QCOMPARE(calls[size_t(w)].load(), 1);
                QCOMPARE(ids[0], std::this_thread::get_id()); // the caller is worker 0
                const std::set<std::thread::id> distinct(ids.begin(), ids.end());
                QCOMPARE(distinct.size(), size_t(threads));
            }
        }
    }

    void exceptionsReachTheCaller()
    {
        for (int threads : kThreadCounts) {
            ThreadPool pool(threads);
            for (int64_t throwAt : {int64_t(0), int64_t(500), int64_t(999)}) {
                bool caught = false;
                try {
                    pool.parallelFor(1000, [&](int64_t begin, int64_t end, int) {
                        if (throwAt >= begin && throwAt < end)
                            throw std::runtime_error("boom at " + std::to_string(throwAt));
                    });
                } catch (const std::runtime_error &e) {
                    caught = std::string(e.what()) == "boom at " + std::to_string(throwAt);
                }
                QVERIFY(caught);
            }
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pool.run([](int worker, int workers) {
                if (worker == workers - 1)
                    throw std::invalid_argument("last worker");
            }));
            // Still usable afterwards.
            std::atomic<int64_t> total{0};
            pool.parallelFor(1000, [&](int64_t begin, int64_t end, int) { total += end - begin; });
            QCOMPARE(total.load(), int64_t(1000));
        }
    }

    void nestedCallsRunInline()
    {
        ThreadPool pool(4);
        std::vector<std::atomic<int>> hits(64 * 64);
        std::atomic<bool> workerMismatch{false};
        pool.parallelFor(64, [&](int64_t begin, int64_t end, int outerWorker) {
            for (int64_t row = begin; row < end; ++row) {
                const std::thread::id outerThread = std::this_thread::get_id();
                pool.parallelFor(64, [&](int64_t b, int64_t e, int innerWorker) {
                    if (innerWorker != outerWorker || std::this_thread::get_id() != outerThread || b != 0 || e != 64)
                        workerMismatch = true;
                    for (int64_t col = b; col < e; ++col)
                        hits[size_t(row * 64 + col)].fetch_add(1);
                });
            }
        });
        QVERIFY(!workerMismatch);
        for (const auto &h : hits)
            QCOMPARE(h.load(), 1);
        // A nested run() cannot reach every worker: it throws, and the outer call rethrows that.
        QVERIFY_THROWS_EXCEPTION(std::logic_error, pool.run([&](int, int) { pool.run([](int, int) {}); }));
        // The inline path (n <= grain) still allows nesting.
        int inner = 0;
        pool.parallelFor(1, [&](int64_t, int64_t, int) {
            pool.parallelFor(5, [&](int64_t b, int64_t e, int) { inner += int(e - b); });
        });
        QCOMPARE(inner, 5);
    }

    void concurrentCallersAreSerialized()
    {
        ThreadPool pool(3);
        std::atomic<int64_t> totals[2] = {0, 0};
        auto caller = [&](int id) {
            for (int i = 0; i < 2000; ++i)
                pool.parallelFor(100, [&](int64_t b, int64_t e, int) { totals[id] += e - b; });
        };
        std::thread other(caller, 1);
        caller(0);
        other.join();
        QCOMPARE(totals[0].load(), int64_t(200000));
        QCOMPARE(totals[1].load(), int64_t(200000));
    }

    void resizeAndDefaultPool()
    {
        ThreadPool pool(2);
        pool.resize(5);
        QCOMPARE(pool.size(), 5);
        std::atomic<int> calls{0};
        pool.run([&](int, int) { ++calls; });
        QCOMPARE(calls.load(), 5);

        ThreadPool &def = enclave::defaultThreadPool();
        enclave::setDefaultThreadCount(3);
        QCOMPARE(&enclave::defaultThreadPool(), &def);
        QCOMPARE(def.size(), 3);
        enclave::setDefaultThreadCount(0);
        QCOMPARE(def.size(), ThreadPool::resolveThreadCount(0));
    }

    void constructAndDestroyRepeatedly()
    {
        for (int i = 0; i < 50; ++i) {
            auto pool = std::make_unique<ThreadPool>(4);
            if (i % 2 == 0)
                pool->parallelFor(10, [](int64_t, int64_t, int) {});
        }
    }

    void stressTinyDispatches()
    {
        ThreadPool pool(0);
        std::vector<int64_t> perWorker(size_t(pool.size()) * 16);
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < kStressDispatches; ++i) {
            pool.parallelFor(pool.size(), [&](int64_t b, int64_t e, int worker) {
                perWorker[size_t(worker) * 16] += e - b;
            });
        }
        const double us = microsecondsSince(start) / kStressDispatches;
        int64_t total = 0;
        for (int w = 0; w < pool.size(); ++w)
            total += perWorker[size_t(w) * 16];
        QCOMPARE(total, int64_t(kStressDispatches) * pool.size());
        qInfo("parallelFor dispatch: %.2f us (%d threads, %d dispatches)", us, pool.size(), kStressDispatches);

        // The same after the workers went to sleep: the wake-up path.
        double wakeTotal = 0;
        constexpr int kWakes = 50;
        for (int i = 0; i < kWakes; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            const auto t = std::chrono::steady_clock::now();
            pool.run([](int, int) {});
            wakeTotal += microsecondsSince(t);
        }
        qInfo("run() after workers slept: %.2f us", wakeTotal / kWakes);
    }
};

QTEST_APPLESS_MAIN(TestThreadPool)
#include "tst_thread_pool.moc"
