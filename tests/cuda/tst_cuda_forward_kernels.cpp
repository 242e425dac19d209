// The forward-pass kernels (norms, RoPE, embeddings, attention, MLA, routing, expert matvecs)
// against the CPU, through the same checks as cuda_forward_check. Skips without a GPU.
#include "tests/cuda/forward_kernels_check.h"
#include "tests/cuda/matvec_check.h"

#include <QTest>

#include <sstream>

using namespace enclave::cuda::check;

class TestCudaForwardKernels : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        std::string reason;
        const std::string device = deviceDescription(reason);
        if (device.empty())
            QSKIP(qPrintable(QStringLiteral("no CUDA device: %1").arg(QString::fromStdString(reason))));
        qInfo("device: %s", device.c_str());
    }

    void matchCpuReference()
    {
        std::ostringstream log;
        const int failures = runForwardKernelChecks(log);
        std::istringstream lines(log.str());
        for (std::string line; std::getline(lines, line);)
            qInfo("%s", line.c_str());
        QCOMPARE(failures, 0);
    }
};

QTEST_GUILESS_MAIN(TestCudaForwardKernels)
#include "tst_cuda_forward_kernels.moc"
