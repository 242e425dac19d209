// Memory estimate: the KV cache size matches what runtime/kv_cache.cpp allocates (standard and MLA),
// weights split into experts and the rest add up to the file's tensors, and the verdict moves through
// fits in VRAM → experts in RAM → CPU → will not fit as memory shrinks.
#include "engine/arch/architectures.h"
#include "engine/memory_estimate.h"
#include "engine/runtime/kv_cache.h"

#include <QtTest>

#include <filesystem>

using namespace enclave;

namespace {

const std::string kRefpack = ENCLAVE_REFPACK_DIR;

ModelConfig denseConfig()
{
    ModelConfig c;
    c.nVocab = 1000, c.nEmbd = 256, c.nLayer = 3, c.nHead = 8, c.nHeadKv = 2, c.headDim = 32, c.headDimV = 32;
    c.nFf = 512;
    return c;
}

ModelConfig mlaConfig()
{
    ModelConfig c = denseConfig();
    c.mla.kvLoraRank = 128, c.mla.qkRopeDim = 32, c.mla.qkNopeDim = 64, c.mla.vHeadDim = 64;
    c.nHeadKv = c.nHead, c.headDim = 96, c.headDimV = 64;
    return c;
}

uint64_t allocatedBytes(const KvCache &kv)
{
    uint64_t floats = 0;
    for (const auto &l : kv.k)
        floats += l.size();
    for (const auto &l : kv.v)
        floats += l.size();
    return floats * sizeof(float);
}

} // namespace

class TestMemoryEstimate : public QObject {
    Q_OBJECT

private slots:
    void kvCacheMatchesRuntime_data()
    {
        QTest::addColumn<bool>("mla");
        QTest::addColumn<int>("context");
        for (int ctx : {1, 100, 4096}) {
            QTest::addRow("standard %d", ctx) << false << ctx;
            QTest::addRow("mla %d", ctx) << true << ctx;
        }
    }

    void kvCacheMatchesRuntime()
    {
        QFETCH(bool, mla);
        QFETCH(int, context);
        const ModelConfig c = mla ? mlaConfig() : denseConfig();
        QCOMPARE(kvCacheBytes(c, context), allocatedBytes(KvCache(c, context)));
    }

    void weightsSplitAddUp()
    {
        const std::string path = kRefpack + "/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf";
        if (!std::filesystem::exists(path))
            QSKIP("reference pack not found");
        const ModelFiles files(path);
        const WeightBytes w = weightBytesOf(files);
        uint64_t total = 0, experts = 0;
        for (const TensorView &t : files.tensors()) {
            total += t.bytes;
            if (t.name.find("_exps") != std::string::npos)
                experts += t.bytes;
        }
        QCOMPARE(w.dense + w.experts, total);
        QCOMPARE(w.experts, experts);
        QVERIFY(w.experts > w.dense); // an MoE model's bytes are mostly experts
        // HF names (.experts.N.) count as experts too.
        const ModelFiles hf(kRefpack + "/models/qwen3_moe/hf");
        const WeightBytes h = weightBytesOf(hf);
        QVERIFY(h.experts > 0 && h.experts > h.dense);
        const MemoryNeeds n = estimateMemory(w, readModelConfig(files), 4096);
        QCOMPARE(n.total(), n.denseWeights + n.expertWeights + n.kvCache + n.scratch);
        QVERIFY(n.scratch > 0);
    }

    void kvGrowsLinearlyWithContext()
    {
        const ModelConfig c = denseConfig();
        QCOMPARE(kvCacheBytes(c, 2000), 2 * kvCacheBytes(c, 1000));
        QVERIFY(scratchBytes(c, 8192) > scratchBytes(c, 16));
    }

    void verdicts()
    {
        MemoryNeeds n;
        n.denseWeights = 100, n.expertWeights = 1000, n.kvCache = 50, n.scratch = 10; // total 1160
        QCOMPARE(memoryFit(n, 10000, 2000), MemoryFit::FitsInVram);
        QCOMPARE(memoryFit(n, 10000, 1160), MemoryFit::FitsInVram);
        QCOMPARE(memoryFit(n, 10000, 1159), MemoryFit::ExpertsInRam);
        QCOMPARE(memoryFit(n, 1000, 160), MemoryFit::ExpertsInRam);
        QCOMPARE(memoryFit(n, 999, 160), MemoryFit::WillNotFit); // experts do not fit RAM, nor the whole GPU
        QCOMPARE(memoryFit(n, 1160, 159), MemoryFit::CpuInRam);  // the dense part alone is too big for the GPU
        QCOMPARE(memoryFit(n, 1160, 0), MemoryFit::CpuInRam);    // no GPU
        QCOMPARE(memoryFit(n, 1159, 0), MemoryFit::WillNotFit);
        n.expertWeights = 0; // dense model: no experts-in-RAM split
        QCOMPARE(memoryFit(n, 1000, 100), MemoryFit::CpuInRam);
        QCOMPARE(memoryFitText(MemoryFit::ExpertsInRam), std::string_view("fits with experts in RAM"));
    }

    void freeRamIsRead() { QVERIFY(availableRamBytes() > 0); }
};

QTEST_GUILESS_MAIN(TestMemoryEstimate)
#include "tst_memory_estimate.moc"
