// The VRAM budget planner: slots from what is left after the base, "all experts fit", and a
// base that does not fit saying why.
#include "engine/moe/placement.h"

#include <QTest>

using namespace enclave::moe;

namespace {
constexpr uint64_t kMiB = 1024 * 1024;
}

class TestPlacement : public QObject {
    Q_OBJECT
private slots:
    void slotsFromTheRest()
    {
        PlacementInput in{12000 * kMiB, 1500 * kMiB, 800 * kMiB, 300 * kMiB, 3 * kMiB, 6144};
        const PlacementPlan p = planPlacement(in);
        QVERIFY(p.fits);
        QVERIFY(!p.allExperts);
        QCOMPARE(p.slotCount, int64_t((12000 - 1500 - 800 - 300) / 3));
        QCOMPARE(p.requiredBytes, 2600 * kMiB);
        QCOMPARE(p.expertBytes, uint64_t(p.slotCount) * 3 * kMiB);
        QCOMPARE(p.spareBytes, in.vramBudget - p.requiredBytes - p.expertBytes);
        QVERIFY(p.spareBytes < in.bytesPerExpert);
        QVERIFY(p.summary.find("3133 of 6144 experts") != std::string::npos);
    }

    void allExpertsFit()
    {
        const PlacementPlan p = planPlacement({80000 * kMiB, 1500 * kMiB, 800 * kMiB, 300 * kMiB, 3 * kMiB, 6144});
        QVERIFY(p.fits && p.allExperts);
        QCOMPARE(p.slotCount, int64_t(6144));
        QVERIFY(p.summary.find("all experts resident") != std::string::npos);
    }

    void baseDoesNotFit()
    {
        const PlacementPlan p = planPlacement({2000 * kMiB, 1500 * kMiB, 800 * kMiB, 0, 3 * kMiB, 6144});
        QVERIFY(!p.fits);
        QCOMPARE(p.slotCount, int64_t(0));
        QVERIFY2(p.summary.find("does not fit") != std::string::npos, p.summary.c_str());
        QVERIFY2(p.summary.find("KV cache 800.0 MiB") != std::string::npos, p.summary.c_str());
    }

    void exactFitAndOverflow()
    {
        QCOMPARE(planPlacement({100, 40, 0, 0, 20, 3}).slotCount, int64_t(3));
        QVERIFY(planPlacement({100, 40, 0, 0, 20, 3}).allExperts);
        QCOMPARE(planPlacement({100, 40, 0, 0, 21, 3}).slotCount, int64_t(2));
        QVERIFY(!planPlacement({100, UINT64_MAX, UINT64_MAX, 1, 1, 1}).fits); // sums saturate
    }
};

QTEST_APPLESS_MAIN(TestPlacement)
#include "tst_placement.moc"
