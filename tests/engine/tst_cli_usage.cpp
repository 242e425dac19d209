// enclave-cli as a user meets it: unknown options and missing values are errors with the usage
// (status 2), every command answers --help, "-" reads standard input, chat's /commands never
// reach the model, and model text is escaped on a terminal (a pseudo-terminal here) but written
// exactly to a pipe.
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run cli(const QStringList &args, const QByteArray &input = {})
{
    QProcess p;
    p.start(QStringLiteral(ENCLAVE_CLI_BINARY), args);
    if (!p.waitForStarted())
        return {};
    p.write(input);
    p.closeWriteChannel();
    Run r;
    if (!p.waitForFinished(120000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// The CLI with stdout and stderr on a pseudo-terminal; out holds everything it showed there.
Run inTerminal(const QStringList &args)
{
    std::vector<QByteArray> storage{QByteArrayLiteral(ENCLAVE_CLI_BINARY)};
    for (const QString &a : args)
        storage.push_back(a.toUtf8());
    std::vector<char *> argv;
    for (QByteArray &a : storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid < 0)
        return {};
    if (pid == 0) {
        execv(argv[0], argv.data());
        _exit(127);
    }
    Run r;
    char buffer[4096];
    for (ssize_t got; (got = read(master, buffer, sizeof buffer)) > 0;) // EIO once the child is gone
        r.out.append(buffer, got);
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// "prompt 20 tokens" of the statistics line.
int promptTokens(const QByteArray &err)
{
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("prompt (\\d+) tokens")).match(QString::fromUtf8(err));
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

const QStringList kCommands = {QStringLiteral("info"),     QStringLiteral("logits"),   QStringLiteral("tokenize"),
                               QStringLiteral("detokenize"), QStringLiteral("template"), QStringLiteral("run"),
                               QStringLiteral("chat"),     QStringLiteral("bench"),    QStringLiteral("synth"),
                               QStringLiteral("quantize"), QStringLiteral("trace"),    QStringLiteral("kernels")};

} // namespace

class TestCliUsage : public QObject {
    Q_OBJECT
    QString m_model = QStringLiteral(ENCLAVE_REFPACK_DIR "/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf");

    void needModel()
    {
        if (!QFile::exists(m_model))
            QSKIP("reference pack not found beside the clone");
    }

private slots:
    void unknownOptionsAreUsageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("run") << QStringList{"run", "--model", "m.gguf", "-p", "hi", "--bogus", "1"}
                             << QStringLiteral("unknown option --bogus");
        QTest::newRow("typo") << QStringList{"run", "--model", "m.gguf", "-p", "hi", "--max-token", "4"}
                              << QStringLiteral("did you mean --max-tokens?");
        QTest::newRow("switch") << QStringList{"info", "--model", "m.gguf", "--jsn"}
                                << QStringLiteral("did you mean --json?");
        QTest::newRow("short") << QStringList{"tokenize", "--model", "m.gguf", "--text", "a", "-x"}
                               << QStringLiteral("unknown option -x");
        QTest::newRow("stray") << QStringList{"detokenize", "--model", "m.gguf", "--ids", "1", "extra"}
                               << QStringLiteral("unexpected argument 'extra'");
        QTest::newRow("trace") << QStringList{"trace", "simulate", "t.trace", "--fractoin", "0.5"}
                               << QStringLiteral("did you mean --fraction?");
    }

    void unknownOptionsAreUsageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = cli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
        QVERIFY2(r.err.contains("usage: enclave-cli " + args[0].toUtf8()), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    void missingValuesAreUsageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("last") << QStringList{"run", "-p", "hi", "--model"} << QStringLiteral("--model needs a value");
        QTest::newRow("before option") << QStringList{"run", "--model", "m.gguf", "-p", "--max-tokens", "4"}
                                       << QStringLiteral("-p needs a value");
        QTest::newRow("required") << QStringList{"logits", "--model", "m.gguf", "--out", "x.f32"}
                                  << QStringLiteral("missing --tokens");
        QTest::newRow("text") << QStringList{"tokenize", "--model", "m.gguf"} << QStringLiteral("missing --text");
        QTest::newRow("switch value") << QStringList{"info", "--model", "m.gguf", "--json=yes"}
                                      << QStringLiteral("--json takes no value");
        QTest::newRow("trace file") << QStringList{"trace", "stats"} << QStringLiteral("which trace FILE?");
    }

    void missingValuesAreUsageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = cli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
        QVERIFY2(r.err.contains("usage: enclave-cli"), r.err.constData());
    }

    void everyCommandHasHelp_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("flag");
        for (const QString &c : kCommands)
            for (const QString &flag : {QStringLiteral("--help"), QStringLiteral("-h")})
                QTest::newRow(qPrintable(c + QLatin1Char(' ') + flag)) << c << flag;
    }

    void everyCommandHasHelp()
    {
        QFETCH(QString, command);
        QFETCH(QString, flag);
        const Run r = cli({command, flag});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("usage: enclave-cli " + command.toUtf8()), r.out.constData());
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        // --help wins over anything else on the line, and `help CMD` is the same.
        const Run late = cli({command, QStringLiteral("--model"), QStringLiteral("m.gguf"), flag});
        QCOMPARE(late.exitCode, 0);
        QCOMPARE(late.out, r.out);
        const Run help = cli({QStringLiteral("help"), command});
        QCOMPARE(help.exitCode, 0);
        QCOMPARE(help.out, r.out);
    }

    void topLevelHelpListsEveryCommand()
    {
        const Run help = cli({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        const Run bare = cli({});
        QCOMPARE(bare.exitCode, 2);
        QCOMPARE(bare.err, help.out);
        for (const QString &c : kCommands)
            QVERIFY2(help.out.contains("\n  " + c.toUtf8() + ' '), qPrintable(c));
        const Run unknown = cli({QStringLiteral("frobnicate")});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains("unknown command 'frobnicate'"));
        const Run traceSub = cli({QStringLiteral("trace"), QStringLiteral("frobnicate")});
        QCOMPARE(traceSub.exitCode, 2);
        QVERIFY2(traceSub.err.contains("unknown command 'frobnicate'"), traceSub.err.constData());
        const Run traceGenerate = cli({QStringLiteral("trace"), QStringLiteral("generate"), QStringLiteral("--help")});
        QCOMPARE(traceGenerate.exitCode, 0);
        QVERIFY(traceGenerate.out.contains("usage: enclave-cli trace generate"));
    }

    // The kernel benchmark prints one line per format asked for, with both precisions where the
    // format has a fast dot, and refuses a format it does not know.
    void kernelsPrintsTheFormatsAskedFor()
    {
        const Run r = cli({QStringLiteral("kernels"), QStringLiteral("--mib"), QStringLiteral("4"), QStringLiteral("--threads"),
                           QStringLiteral("1"), QStringLiteral("--formats"), QStringLiteral("q4_k,IQ2_XXS,mxfp4,f16")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("bandwidth:"), r.out.constData());
        for (const char *format : {"Q4_K", "IQ2_XXS", "MXFP4"})
            QVERIFY2(QRegularExpression(QStringLiteral("\\n%1 +[0-9.]+ +[0-9]+% +[0-9.]+ +[0-9]+%").arg(format))
                         .match(QString::fromUtf8(r.out))
                         .hasMatch(),
                     r.out.constData());
        QVERIFY2(QRegularExpression(QStringLiteral("\\nF16 +[0-9.]+ +[0-9]+% +- +-")).match(QString::fromUtf8(r.out)).hasMatch(),
                 r.out.constData()); // float formats have no 8-bit dot
        QVERIFY(!r.out.contains("Q8_0"));
        const Run bad = cli({QStringLiteral("kernels"), QStringLiteral("--formats"), QStringLiteral("q4_k,q9_z")});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("unknown format 'q9_z'"), bad.err.constData());
    }

    void runReadsThePromptFromStdin()
    {
        needModel();
        const QStringList common = {QStringLiteral("run"), QStringLiteral("--model"), m_model,
                                    QStringLiteral("--max-tokens"), QStringLiteral("4"), QStringLiteral("--seed"),
                                    QStringLiteral("1"), QStringLiteral("--temp"), QStringLiteral("0")};
        const Run direct = cli(common + QStringList{QStringLiteral("-p"), QStringLiteral("Hello there")});
        QCOMPARE(direct.exitCode, 0);
        QVERIFY(!direct.out.isEmpty());
        const Run piped = cli(common + QStringList{QStringLiteral("-p"), QStringLiteral("-")}, "Hello there\n");
        QCOMPARE(piped.exitCode, 0);
        QCOMPARE(piped.out, direct.out);
        QCOMPARE(promptTokens(piped.err), promptTokens(direct.err)); // the final line break was dropped
        const Run empty = cli(common + QStringList{QStringLiteral("-p"), QStringLiteral("-")}, "");
        QCOMPARE(empty.exitCode, 2);
        QVERIFY2(empty.err.contains("standard input is empty"), empty.err.constData());
    }

    void chatCommandsNeverReachTheModel()
    {
        needModel();
        const Run r = cli({QStringLiteral("chat"), QStringLiteral("--model"), m_model, QStringLiteral("--max-tokens"),
                           QStringLiteral("4"), QStringLiteral("--temp"), QStringLiteral("0")},
                          "/help\n/foo\n/system Be brief\n/system\n/reset\n/quit\nnever sent\n");
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("/system TEXT") && r.err.contains("/reset") && r.err.contains("/quit"),
                 r.err.constData());
        QVERIFY2(r.err.contains("unknown command /foo; /help lists them"), r.err.constData());
        QVERIFY2(r.err.contains("[system prompt set: Be brief]"), r.err.constData());
        QVERIFY2(r.err.contains("[system prompt removed]"), r.err.constData());
        QVERIFY2(r.err.contains("[conversation cleared"), r.err.constData());
        QVERIFY2(!r.err.contains("tok/s"), r.err.constData()); // no answer was generated
        QVERIFY(r.out.isEmpty());
        // A line that starts with // is sent, with one slash less.
        const Run sent = cli({QStringLiteral("chat"), QStringLiteral("--model"), m_model, QStringLiteral("--max-tokens"),
                              QStringLiteral("2"), QStringLiteral("--temp"), QStringLiteral("0")},
                             "//not a command\n");
        QCOMPARE(sent.exitCode, 0);
        QVERIFY2(sent.err.contains("tok/s") && !sent.err.contains("unknown command"), sent.err.constData());
    }

    void modelTextIsEscapedOnlyOnATerminal()
    {
        needModel();
        const QByteArray hostile = "\x1b[31mRED\x07\tend\n";
        const Run ids = cli({QStringLiteral("tokenize"), QStringLiteral("--model"), m_model, QStringLiteral("--text"),
                             QStringLiteral("-")},
                            hostile);
        QCOMPARE(ids.exitCode, 0);
        const QString list = QString::fromUtf8(ids.out).trimmed();
        // To a pipe: the exact bytes, so tokenize | detokenize round-trips.
        const Run piped = cli({QStringLiteral("detokenize"), QStringLiteral("--model"), m_model, QStringLiteral("--ids"),
                               QStringLiteral("-")},
                              ids.out);
        QCOMPARE(piped.exitCode, 0);
        QCOMPARE(piped.out, hostile);
        // To a terminal: the escape sequence and the bell are shown, not obeyed; tab and line break stay.
        const Run shown = inTerminal({QStringLiteral("detokenize"), QStringLiteral("--model"), m_model,
                                      QStringLiteral("--ids"), list});
        QCOMPARE(shown.exitCode, 0);
        QVERIFY2(shown.out.contains("\\x1b[31mRED\\x07\tend"), shown.out.constData());
        QVERIFY(!shown.out.contains('\x1b'));
        QVERIFY(!shown.out.contains('\x07'));
    }
};

QTEST_GUILESS_MAIN(TestCliUsage)
#include "tst_cli_usage.moc"
