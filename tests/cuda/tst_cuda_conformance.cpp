// The CUDA backend against the reference pack (see gpu_conformance.h): all, none and half of the
// routed experts in VRAM, whole prompt and token by token. Skips without a GPU.
#include "cuda/cuda_devices.h"
#include "tests/cuda/gpu_conformance.h"

#include <QTest>
#include <sstream>

class TestCudaConformance : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        const enclave::cuda::CudaDeviceList list = enclave::cuda::listCudaDevices();
        if (list.devices.empty())
            QSKIP(qPrintable(QStringLiteral("no CUDA device: %1").arg(QString::fromStdString(list.unavailableReason))));
    }

    void referencePack()
    {
        std::ostringstream log;
        const int failures = enclave::cuda::runGpuConformance(ENCLAVE_REFPACK_DIR, log);
        qInfo("%s", log.str().c_str());
        QCOMPARE(failures, 0);
    }
};

QTEST_GUILESS_MAIN(TestCudaConformance)
#include "tst_cuda_conformance.moc"
