// RoutingTrace: the file round trip, and every way a file or an appended token can be wrong
// failing with a message that names the problem.
#include "engine/moe/routing_trace.h"

#include <QTemporaryDir>
#include <QTest>
#include <cstring>
#include <fstream>

using namespace enclave::moe;

namespace {

RoutingTrace smallTrace()
{
    RoutingTrace t(4, {1, 3}, 6, 2);
    t.appendToken(std::vector<int32_t>{0, 5, 2, 3});
    t.appendToken(std::vector<int32_t>{5, 0, 1, 4});
    t.appendToken(std::vector<int32_t>{2, 3, 2, 3});
    return t;
}

std::string bytesOf(const RoutingTrace &t, const std::string &path)
{
    t.write(path);
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void putU32(std::string &bytes, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        bytes[at + size_t(i)] = char(v >> (8 * i));
}

} // namespace

class TestRoutingTrace : public QObject {
    Q_OBJECT
private slots:
    void roundTrip()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("t.trace").toStdString();
        const RoutingTrace t = smallTrace();
        t.write(path);
        const RoutingTrace r = RoutingTrace::read(path);
        QCOMPARE(r.nLayer(), 4);
        QCOMPARE(r.moeLayers(), (std::vector<int32_t>{1, 3}));
        QCOMPARE(r.nExpert(), 6);
        QCOMPARE(r.k(), 2);
        QCOMPARE(r.tokens(), int64_t(3));
        for (int64_t tok = 0; tok < 3; ++tok)
            QVERIFY(std::ranges::equal(r.token(tok), t.token(tok)));
        QCOMPARE(r.experts(1, 1)[1], 4);
        QCOMPARE(r.moeIndexOf(3), 1);
        QCOMPARE(r.moeIndexOf(2), -1);
        QVERIFY(!QFile::exists(dir.filePath("t.trace.tmp")));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), qsizetype(1)); // no temp file left
    }

    void layoutIsDocumented()
    {
        QTemporaryDir dir;
        const std::string b = bytesOf(smallTrace(), dir.filePath("t").toStdString());
        QCOMPARE(b.size(), size_t(36 + 2 * 4 + 3 * 2 * 2 * 2));
        QCOMPARE(b.substr(0, 8), std::string("ENCTRACE"));
        QCOMPARE(uint8_t(b[8]), uint8_t(1));   // version
        QCOMPARE(uint8_t(b[28]), uint8_t(3));  // tokens
        QCOMPARE(uint8_t(b[40]), uint8_t(3));  // second MoE layer index
        QCOMPARE(uint8_t(b[46]), uint8_t(5));  // token 0, layer 1, pick 1 … little-endian u16
    }

    void appendRejectsBadTokens()
    {
        RoutingTrace t(4, {1, 3}, 6, 2);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, t.appendToken(std::vector<int32_t>{0, 1, 2}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, t.appendToken(std::vector<int32_t>{0, 6, 2, 3}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, t.appendToken(std::vector<int32_t>{0, 1, 2, 2}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, t.appendToken(std::vector<int32_t>{-1, 1, 2, 3}));
        QCOMPARE(t.tokens(), int64_t(0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, RoutingTrace(4, {3, 1}, 6, 2));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, RoutingTrace(4, {4}, 6, 2));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, RoutingTrace(4, {1}, 6, 7));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, RoutingTrace(4, {}, 6, 2));
    }

    void corruptFilesFailClearly_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("magic") << 0 << "bad magic";
        QTest::newRow("version") << 1 << "version 9";
        QTest::newRow("truncated ids") << 2 << "truncated";
        QTest::newRow("truncated header") << 3 << "truncated";
        QTest::newRow("trailing") << 4 << "unexpected bytes";
        QTest::newRow("id range") << 5 << "outside 0..5";
        QTest::newRow("repeat") << 6 << "repeats";
        QTest::newRow("layer order") << 7 << "strictly increasing";
        QTest::newRow("k") << 8 << "experts per token";
        QTest::newRow("huge token count") << 9 << "truncated";
    }
    void corruptFilesFailClearly()
    {
        QFETCH(int, kind);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const std::string path = dir.filePath("t").toStdString();
        std::string b = bytesOf(smallTrace(), path);
        switch (kind) {
        case 0: b[0] = 'X'; break;
        case 1: putU32(b, 8, 9); break;
        case 2: b.resize(b.size() - 1); break;
        case 3: b.resize(20); break;
        case 4: b += "xx"; break;
        case 5: b[36 + 8] = 6; break;             // token 0, layer 0, pick 0 = 6
        case 6: b[36 + 8 + 2] = 0; break;         // token 0, layer 0, pick 1 = pick 0
        case 7: putU32(b, 40, 0); break;          // MoE layers {1, 0}
        case 8: putU32(b, 20, 7); break;          // k > nExpert
        case 9: b[28 + 7] = 0x7f; break;          // tokens ~ 2^62
        }
        std::ofstream(path, std::ios::binary | std::ios::trunc).write(b.data(), std::streamsize(b.size()));
        try {
            RoutingTrace::read(path);
            QFAIL("a corrupt trace was accepted");
        } catch (const std::runtime_error &e) {
            QVERIFY2(QString(e.what()).contains(message), e.what());
            QVERIFY2(QString(e.what()).contains(QString::fromStdString(path)), e.what());
        }
    }

    void missingFileAndUnwritableTarget()
    {
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, RoutingTrace::read("/nonexistent/t.trace"));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, smallTrace().write("/nonexistent/dir/t.trace"));
    }

    void writeReplacesAtomically()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("t").toStdString();
        smallTrace().write(path);
        RoutingTrace longer = smallTrace();
        longer.appendToken(std::vector<int32_t>{1, 2, 3, 4});
        longer.write(path);
        QCOMPARE(RoutingTrace::read(path).tokens(), int64_t(4));
    }
};

QTEST_APPLESS_MAIN(TestRoutingTrace)
#include "tst_routing_trace.moc"
