// Vulkan discovery: CI installs Mesa's lavapipe, so a device must be found there; elsewhere
// a machine without any Vulkan driver skips.
#include "vulkan/vulkan_devices.h"

#include <QTest>

class TestVulkanDevices : public QObject {
    Q_OBJECT
private slots:
    void listsPhysicalDevices()
    {
        const auto list = enclave::vulkan::listVulkanDevices();
        if (list.devices.empty()) {
            const QString why = QString::fromStdString(list.unavailableReason);
            if (qEnvironmentVariableIsSet("CI"))
                QFAIL(qPrintable(QStringLiteral("CI installs Mesa's lavapipe, yet: %1").arg(why)));
            QSKIP(qPrintable(QStringLiteral("no Vulkan device: %1").arg(why)));
        }
        for (const auto &d : list.devices) {
            qInfo("Vulkan device: %s (%s), API %s, %llu MiB device-local", d.name.c_str(), d.type.c_str(),
                  enclave::vulkan::apiVersionString(d.apiVersion).c_str(),
                  (unsigned long long)(d.deviceLocalMemory >> 20));
            QVERIFY(!d.name.empty());
            QVERIFY(d.hasComputeQueue);
        }
    }
};

QTEST_GUILESS_MAIN(TestVulkanDevices)
#include "tst_vulkan_devices.moc"
