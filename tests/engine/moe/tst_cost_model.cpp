// The CPU-versus-stream cost model on hand-computed rooflines, including the crossover.
#include "engine/moe/cost_model.h"

#include <QTest>

using namespace enclave::moe;

namespace {

// A desktop-like machine: CPU 1 TFLOP/s at 50 GB/s, PCIe 25 GB/s, GPU 100 TFLOP/s at 1 TB/s.
DeviceRates desktop() { return {1e12, 50e9, 25e9, 100e12, 1e12}; }
// A Qwen3-30B-A3B expert at ~4.5 bits: 3 x 2048 x 768 weights.
ExpertShape qwenExpert() { return {3.0 * 2048 * 768 * 4.5 / 8, 2.0 * 3 * 2048 * 768}; }

} // namespace

class TestCostModel : public QObject {
    Q_OBJECT
private slots:
    void rooflines()
    {
        const ExpertShape s = qwenExpert();
        const ExpertCost one = expertCost(desktop(), s, 1);
        QCOMPARE(one.cpuSeconds, s.bytes / 50e9); // one token: bandwidth-bound
        QCOMPARE(one.streamSeconds, s.bytes / 25e9 + s.bytes / 1e12);
        QVERIFY(one.place == ExpertPlace::Cpu);
        const ExpertCost many = expertCost(desktop(), s, 4096);
        QCOMPARE(many.cpuSeconds, 4096 * s.flopsPerToken / 1e12); // compute-bound
        QVERIFY(many.place == ExpertPlace::Stream);
    }

    void crossoverIsTheFirstStreamingCount()
    {
        const DeviceRates r = desktop();
        const ExpertShape s = qwenExpert();
        const int64_t m = streamCrossover(r, s);
        QVERIFY(m > 1);
        QVERIFY(expertCost(r, s, m).place == ExpertPlace::Stream);
        QVERIFY(expertCost(r, s, m - 1).place == ExpertPlace::Cpu);
        // By hand: stream ≈ bytes/PCIe + m·flops/gpu; cpu = m·flops/cpu (compute-bound there), so
        // m ≈ (bytes/PCIe) / (flops·(1/cpu - 1/gpu)).
        const double expected = (s.bytes / r.pcieBandwidth) / (s.flopsPerToken * (1 / r.cpuFlops - 1 / r.gpuFlops));
        QVERIFY(std::abs(double(m) - expected) <= 1.0);
        // A faster link moves the crossover down, a faster CPU up.
        DeviceRates fastLink = r;
        fastLink.pcieBandwidth *= 4;
        QVERIFY(streamCrossover(fastLink, s) < m);
        DeviceRates fastCpu = r;
        fastCpu.cpuFlops *= 4;
        QVERIFY(streamCrossover(fastCpu, s) > m);
    }

    void neverStreamsWhenTheGpuIsNotFaster()
    {
        DeviceRates r = desktop();
        r.gpuFlops = r.cpuFlops;
        QCOMPARE(streamCrossover(r, qwenExpert()), int64_t(-1));
    }

    void planChunkDecidesPerExpert()
    {
        const int64_t m = streamCrossover(desktop(), qwenExpert());
        const std::vector<int64_t> counts{0, 1, m - 1, m, 10 * m};
        const auto plan = planChunk(desktop(), qwenExpert(), counts);
        QCOMPARE(plan.size(), counts.size());
        QVERIFY(plan[0] == ExpertPlace::Cpu && plan[1] == ExpertPlace::Cpu && plan[2] == ExpertPlace::Cpu);
        QVERIFY(plan[3] == ExpertPlace::Stream && plan[4] == ExpertPlace::Stream);
    }

    void rejectsUnmeasuredRates()
    {
        DeviceRates r = desktop();
        r.pcieBandwidth = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, expertCost(r, qwenExpert(), 1));
    }
};

QTEST_APPLESS_MAIN(TestCostModel)
#include "tst_cost_model.moc"
