// SystemMemory: free RAM (MemAvailable) and each GPU's free VRAM, for the library's fit estimate.
// GPUs come from the CUDA backend when the app is built with it; without one the list is empty.
#pragma once

#include <QList>
#include <QString>

namespace enclave::app {

struct GpuMemory {
    QString name;
    quint64 freeBytes = 0;
    quint64 totalBytes = 0;
};

quint64 systemFreeRamBytes();
// Queries the driver (tens of milliseconds): call off the GUI thread or rarely.
QList<GpuMemory> gpuMemory();

} // namespace enclave::app
