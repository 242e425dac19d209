// ExpertUsage: decay by half-life, ranking, and the per-model profile file — a corrupt,
// truncated or mismatched profile is refused with its reason and the caller starts cold.
#include "engine/moe/expert_usage.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>

using namespace enclave::moe;

namespace {

std::string readAll(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const std::string &path, const std::string &bytes)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

} // namespace

class TestExpertUsage : public QObject {
    Q_OBJECT
private slots:
    void decayHalvesPerHalfLife()
    {
        ExpertUsage u(2, 4, 10);
        u.record(1, 2);
        u.record(1, 2);
        QCOMPARE(u.score(1, 2), 2.0);
        u.advance(10);
        QVERIFY(std::abs(u.score(1, 2) - 1.0) < 1e-12);
        u.record(1, 2);
        u.advance(20);
        QVERIFY(std::abs(u.score(1, 2) - 0.5) < 1e-12);
        QCOMPARE(u.tokens(), int64_t(30));
        QCOMPARE(u.score(0, 0), 0.0);
    }

    void longRunsStayFinite()
    {
        ExpertUsage u(1, 2, 1); // rescales many times over 100k half-lives
        for (int i = 0; i < 100000; ++i) {
            u.record(0, i % 2);
            u.advance(1);
        }
        QVERIFY(std::isfinite(u.score(0, 0)));
        QVERIFY(std::abs(u.score(0, 1) - 0.5 * (1 + 0.25 / (1 - 0.25))) < 1e-9); // 1/2 + 1/8 + ...
    }

    void noDecayCountsPlainly()
    {
        ExpertUsage u(1, 3, 0);
        u.record(0, 1);
        u.advance(1000000);
        QCOMPARE(u.score(0, 1), 1.0);
    }

    void rankedBestFirstTiesByIndex()
    {
        ExpertUsage u(2, 3, 0);
        u.record(1, 0, 5);
        u.record(0, 2, 3);
        u.record(0, 1, 3);
        const auto top = u.ranked(4);
        QCOMPARE(top.size(), size_t(4));
        QCOMPARE(top[0], (ExpertId{1, 0}));
        QCOMPARE(top[1], (ExpertId{0, 1}));
        QCOMPARE(top[2], (ExpertId{0, 2}));
        QCOMPARE(top[3], (ExpertId{0, 0})); // unused, lowest index
        QCOMPARE(u.ranked(100).size(), size_t(6));
        QCOMPARE(u.totalScore(0), 6.0);
    }

    void profileRoundTrip()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.usage").toStdString();
        ExpertUsage u(3, 5, 100);
        u.record(2, 4, 3);
        u.advance(100);
        u.record(0, 1);
        u.save(path);
        const ExpertUsage r = ExpertUsage::load(path, 3, 5);
        QCOMPARE(r.halfLife(), 100.0);
        QCOMPARE(r.tokens(), int64_t(100));
        QVERIFY(std::abs(r.score(2, 4) - 1.5) < 1e-12);
        QCOMPARE(r.score(0, 1), 1.0);
        QCOMPARE(r.ranked(1)[0], (ExpertId{2, 4}));
    }

    void badProfilesStartCold_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("reason");
        QTest::newRow("missing") << 0 << "cannot read";
        QTest::newRow("magic") << 1 << "bad magic";
        QTest::newRow("version") << 2 << "version";
        QTest::newRow("shape") << 3 << "profile is for 3 layers x 5 experts, the model has 4 x 5";
        QTest::newRow("truncated") << 4 << "truncated";
        QTest::newRow("trailing") << 5 << "unexpected bytes";
        QTest::newRow("nan score") << 6 << "not a finite";
        QTest::newRow("empty") << 7 << "truncated";
    }
    void badProfilesStartCold()
    {
        QFETCH(int, kind);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.usage").toStdString();
        ExpertUsage u(3, 5, 100);
        u.record(1, 1);
        u.save(path);
        std::string b = readAll(path);
        int32_t layers = 3;
        switch (kind) {
        case 0: QFile::remove(QString::fromStdString(path)); break;
        case 1: b[1] = 'x'; break;
        case 2: b[8] = 2; break;
        case 3: layers = 4; break;
        case 4: b.resize(b.size() - 3); break;
        case 5: b += '\0'; break;
        case 6: for (int i = 0; i < 8; ++i) b[36 + 8 + size_t(i)] = char(0xff); break;
        case 7: b.clear(); break;
        }
        if (kind != 0)
            writeAll(path, b);
        std::string why;
        const ExpertUsage cold = ExpertUsage::loadOrCold(path, layers, 5, 64, &why);
        QVERIFY2(QString::fromStdString(why).contains(reason), why.c_str());
        QCOMPARE(cold.nLayer(), layers);
        QCOMPARE(cold.nExpert(), 5);
        QCOMPARE(cold.halfLife(), 64.0);
        QCOMPARE(cold.score(1, 1), 0.0);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, ExpertUsage::load(path, layers, 5));
    }

    void goodProfileLoadsWithoutReason()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.usage").toStdString();
        ExpertUsage(2, 2).save(path);
        std::string why = "stale";
        ExpertUsage::loadOrCold(path, 2, 2, 64, &why);
        QVERIFY(why.empty());
    }
};

QTEST_APPLESS_MAIN(TestExpertUsage)
#include "tst_expert_usage.moc"
