// measureReadBandwidth on a 64 MiB buffer: a positive, plausible figure (printed, bounds loose
// enough for any machine from a phone to a server) with the slice bookkeeping right.
#include "engine/cpu/memory_bandwidth.h"
#include "engine/cpu/thread_pool.h"

#include <QTest>

namespace {

constexpr uint64_t kTestBytes = uint64_t(64) << 20;
// No machine reads DRAM slower than 0.1 GB/s or faster than 10 TB/s (a 64 MiB buffer may partly
// sit in a large L3, hence the generous top).
constexpr double kMinPlausibleGBps = 0.1;
constexpr double kMaxPlausibleGBps = 10000;

} // namespace

class TestMemoryBandwidth : public QObject {
    Q_OBJECT

private slots:
    void readBandwidthIsPlausible()
    {
        enclave::ThreadPool pool(0);
        const enclave::BandwidthResult r = enclave::measureReadBandwidth(pool, kTestBytes, 3);
        qInfo("read bandwidth: %.1f GB/s (%d threads, %llu MiB)", r.readGBps, r.threads,
              static_cast<unsigned long long>(r.bytes >> 20));
        QCOMPARE(r.threads, pool.size());
        QVERIFY(r.bytes <= kTestBytes);
        QVERIFY(r.bytes > kTestBytes - uint64_t(r.threads) * 4096);
        QVERIFY(r.readGBps > kMinPlausibleGBps);
        QVERIFY(r.readGBps < kMaxPlausibleGBps);
    }

    void tinyBufferStillReadsOnePagePerWorker()
    {
        enclave::ThreadPool pool(3);
        const enclave::BandwidthResult r = enclave::measureReadBandwidth(pool, 1, 1);
        QCOMPARE(r.bytes, uint64_t(3 * 4096));
        QVERIFY(r.readGBps > 0);
    }
};

QTEST_APPLESS_MAIN(TestMemoryBandwidth)
#include "tst_memory_bandwidth.moc"
