// enclave-cli's backend and routing-trace options, run as a user would: --backend cpu|cuda|auto
// (a GPU run matches the CPU; without one, cuda fails with the reason and auto falls back to the
// CPU), unknown backends name the available ones, bench records a routing trace that `trace
// stats` reads and bench replays.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

namespace {

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run cli(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(ENCLAVE_CLI_BINARY), args);
    Run r;
    if (!p.waitForFinished(120000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

std::vector<float> floats(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = f.readAll();
    std::vector<float> v(size_t(bytes.size()) / sizeof(float));
    std::memcpy(v.data(), bytes.constData(), v.size() * sizeof(float));
    return v;
}

double relativeDifference(const std::vector<float> &a, const std::vector<float> &b)
{
    double diff = 0, ref = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        ref += double(b[i]) * b[i];
    }
    return std::sqrt(diff / ref);
}

} // namespace

class TestCliBackends : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QStringList logitsArgs(const QString &out) const
    {
        return {QStringLiteral("logits"), QStringLiteral("--model"), m_model, QStringLiteral("--tokens"),
                QStringLiteral("1,2,3,4,5,6"), QStringLiteral("--out"), out};
    }

private slots:
    void initTestCase()
    {
        m_model = QStringLiteral(ENCLAVE_REFPACK_DIR "/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf");
        if (!QFile::exists(m_model))
            QSKIP("reference pack not found beside the clone");
        QVERIFY(m_dir.isValid());
    }

    void backendsAgreeOrSayWhy()
    {
        const Run cpu = cli(logitsArgs(path(QStringLiteral("cpu.f32"))) << QStringLiteral("--backend") << QStringLiteral("cpu"));
        QCOMPARE(cpu.exitCode, 0);
        const std::vector<float> reference = floats(path(QStringLiteral("cpu.f32")));
        QCOMPARE(reference.size(), size_t(6 * 576));
        const Run plain = cli(logitsArgs(path(QStringLiteral("default.f32")))); // the default is the CPU
        QCOMPARE(plain.exitCode, 0);
        QCOMPARE(floats(path(QStringLiteral("default.f32"))), reference);

        const Run cuda = cli(logitsArgs(path(QStringLiteral("cuda.f32"))) << QStringLiteral("--backend") << QStringLiteral("cuda"));
        if (cuda.exitCode == 0) // a GPU: the same numbers up to float32 summation order
            QVERIFY(relativeDifference(floats(path(QStringLiteral("cuda.f32"))), reference) < 1e-4);
        else
            QVERIFY2(cuda.exitCode == 1 && (cuda.err.contains(QLatin1String("GPU")) ||
                                            cuda.err.contains(QLatin1String("unknown backend 'cuda'"))),
                     qPrintable(cuda.err));

        const Run autoRun = cli(logitsArgs(path(QStringLiteral("auto.f32"))) << QStringLiteral("--backend") << QStringLiteral("auto"));
        QCOMPARE(autoRun.exitCode, 0);
        QVERIFY(relativeDifference(floats(path(QStringLiteral("auto.f32"))), reference) < 1e-4);
        if (cuda.exitCode != 0) // no GPU: auto ran on the CPU, said so, and gave the CPU's numbers exactly
            QCOMPARE(floats(path(QStringLiteral("auto.f32"))), reference);
    }

    void badBackendOptionsAreClear()
    {
        const Run unknown = cli(logitsArgs(path(QStringLiteral("x.f32"))) << QStringLiteral("--backend") << QStringLiteral("quantum"));
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains(QLatin1String("unknown backend 'quantum'")) && unknown.err.contains(QLatin1String("cpu")),
                 qPrintable(unknown.err));
        const Run budget = cli(logitsArgs(path(QStringLiteral("x.f32"))) << QStringLiteral("--vram-budget") << QStringLiteral("-5"));
        QCOMPARE(budget.exitCode, 1);
        QVERIFY2(budget.err.contains(QLatin1String("--vram-budget")), qPrintable(budget.err));
        QVERIFY(!QFile::exists(path(QStringLiteral("x.f32"))));
    }

    void benchRecordsAndReplaysTraces()
    {
        const QString trace = path(QStringLiteral("run.trace"));
        const Run record = cli({QStringLiteral("bench"), QStringLiteral("--model"), m_model, QStringLiteral("--prompt"),
                                QStringLiteral("16"), QStringLiteral("--gen"), QStringLiteral("8"),
                                QStringLiteral("--record-trace"), trace});
        QCOMPARE(record.exitCode, 0);
        QVERIFY2(record.out.contains(QLatin1String("24 tokens recorded")), qPrintable(record.out));
        const Run stats = cli({QStringLiteral("trace"), QStringLiteral("stats"), trace});
        QCOMPARE(stats.exitCode, 0);
        QVERIFY2(stats.out.contains(QLatin1String("8 experts, k 4, 24 tokens")), qPrintable(stats.out));
        const Run replay = cli({QStringLiteral("bench"), QStringLiteral("--model"), m_model, QStringLiteral("--prompt"),
                                QStringLiteral("16"), QStringLiteral("--gen"), QStringLiteral("8"),
                                QStringLiteral("--replay-trace"), trace});
        QCOMPARE(replay.exitCode, 0);
        QVERIFY2(replay.out.contains(QLatin1String("replayed from")), qPrintable(replay.out));
        // A dense model has no routing to record.
        const Run dense = cli({QStringLiteral("bench"), QStringLiteral("--model"),
                               QStringLiteral(ENCLAVE_REFPACK_DIR "/models/llama/gguf/llama-q8_0.gguf"),
                               QStringLiteral("--prompt"), QStringLiteral("4"), QStringLiteral("--gen"),
                               QStringLiteral("2"), QStringLiteral("--record-trace"), path(QStringLiteral("d.trace"))});
        QCOMPARE(dense.exitCode, 1);
        QVERIFY2(dense.err.contains(QLatin1String("mixture-of-experts")), qPrintable(dense.err));
    }
};

QTEST_GUILESS_MAIN(TestCliBackends)
#include "tst_cli_backends.moc"
