// CUDA discovery and smoke kernel; skipped on machines without an NVIDIA GPU.
#include "cuda/cuda_devices.h"

#include <QTest>

class TestCudaDevices : public QObject {
    Q_OBJECT
private slots:
    void listsDevicesOrExplainsWhyNot()
    {
        const auto list = enclave::cuda::listCudaDevices();
        if (list.devices.empty()) {
            QVERIFY(!list.unavailableReason.empty());
            QSKIP(qPrintable(QStringLiteral("no CUDA device: %1").arg(QString::fromStdString(list.unavailableReason))));
        }
        for (const auto &d : list.devices) {
            qInfo("CUDA device %d: %s, sm_%d%d, %llu MiB (%llu MiB free), %d SMs", d.index, d.name.c_str(),
                  d.computeMajor, d.computeMinor, (unsigned long long)(d.totalMemory >> 20),
                  (unsigned long long)(d.freeMemory >> 20), d.multiprocessors);
            QVERIFY(!d.name.empty());
            QVERIFY(d.totalMemory > 0 && d.freeMemory <= d.totalMemory);
        }
    }

    void kernelRuns()
    {
        const auto list = enclave::cuda::listCudaDevices();
        if (list.devices.empty())
            QSKIP("no CUDA device");
        QCOMPARE(enclave::cuda::cudaSmokeTest(0, 100003), 0.0f);
    }
};

QTEST_GUILESS_MAIN(TestCudaDevices)
#include "tst_cuda_devices.moc"
