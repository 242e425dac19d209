// CUDA quantized matvec against the CPU reference for every supported format, plus a throughput
// report next to the device copy bandwidth (printed, never asserted). Skips without a GPU.
#include "cuda/cuda_check.h"
#include "cuda/cuda_matvec.h"
#include "tests/cuda/matvec_check.h"

#include <QTest>

using namespace enclave;
using namespace enclave::cuda::check;

Q_DECLARE_METATYPE(enclave::QuantType)

class TestCudaMatvec : public QObject {
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

    void matchesCpuReference_data()
    {
        QTest::addColumn<QuantType>("type");
        for (const QuantType type : matvecTypes())
            QTest::newRow(std::string(quantTypeName(type)).c_str()) << type;
    }

    void matchesCpuReference()
    {
        QFETCH(QuantType, type);
        for (const MatvecShape &shape : matvecShapes(type)) {
            const CheckResult r = checkMatvec(type, shape, uint32_t(shape.rows * 131 + shape.cols));
            QVERIFY2(r.worstRatio <= 1.0, qPrintable(QStringLiteral("%1 x %2: error/bound %3 at %4")
                                                         .arg(shape.rows).arg(shape.cols).arg(r.worstRatio)
                                                         .arg(QString::fromStdString(r.worst))));
        }
    }

    void rejectsUnsupportedFormats()
    {
        const cuda::CudaBuffer buffer(4096);
        Matrix m{QuantType::Q2_K, 1, 256, buffer.as<const uint8_t>(), 84, nullptr, 0};
        QVERIFY(!cuda::cudaMatvecSupports(QuantType::Q2_K));
        try {
            cuda::cudaQuantMatvec(m, buffer.as<float>(), 1, buffer.as<float>());
            QFAIL("no exception");
        } catch (const cuda::CudaError &e) {
            QVERIFY2(std::string(e.what()).find("unsupported on CUDA: Q2_K") != std::string::npos, e.what());
        }
    }

    void outOfMemoryNamesTheSize()
    {
        try {
            const cuda::CudaBuffer huge(size_t(1) << 52);
            QFAIL("4 PiB allocated");
        } catch (const cuda::CudaError &e) {
            QVERIFY2(std::string(e.what()).find("4503599627370496 bytes") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("free") != std::string::npos, e.what());
        }
        cuda::CudaBuffer small(64); // the failure left no sticky error behind
        const int value = 42;
        small.upload(&value, sizeof value);
        int back = 0;
        small.download(&back, sizeof back);
        QCOMPARE(back, 42);
    }

    void uploadedMatrixMultiplies()
    {
        // [2, 4] F32 with a host row stride of 5 floats: the upload packs the rows.
        const std::vector<float> strided = {1, 2, 3, 4, 0, 5, 6, 7, 8, 0};
        const Matrix m{QuantType::F32, 2, 4, reinterpret_cast<const uint8_t *>(strided.data()), 20, nullptr, 0};
        cuda::CudaBuffer weights, x(4 * sizeof(float)), y(2 * sizeof(float));
        const Matrix device = cuda::uploadMatrix(m, weights);
        QCOMPARE(device.rowBytes, int64_t(16));
        const float ones[4] = {1, 1, 1, 1};
        x.upload(ones, sizeof ones);
        cuda::cudaQuantMatvec(device, x.as<float>(), 1, y.as<float>());
        float out[2] = {};
        y.download(out, sizeof out);
        QCOMPARE(out[0], 10.0f);
        QCOMPARE(out[1], 26.0f);
    }

    void throughput()
    {
        const double copy = copyBandwidthGBps();
        qInfo("device-to-device copy: %.0f GB/s (read + write)", copy);
        const MatvecShape shapes[] = {{4096, 4096}, {128 * 768, 2048}};
        for (const MatvecShape &shape : shapes) {
            for (const QuantType type : matvecTypes()) {
                for (const int64_t n : {1, 8}) {
                    const Throughput t = matvecThroughput(type, shape, n);
                    qInfo("%lld x %lld %-5s n=%lld: %6.0f GB/s of weights (%3.0f%% of copy), %.1f us",
                          (long long)shape.rows, (long long)shape.cols, std::string(quantTypeName(type)).c_str(),
                          (long long)n, t.weightGBps, 100 * t.weightGBps / copy, t.microseconds);
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestCudaMatvec)
#include "tst_cuda_matvec.moc"
