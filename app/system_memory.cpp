// SystemMemory: /proc/meminfo through the engine, GPUs through cuda/ when linked.
#include "app/system_memory.h"

#include "engine/memory_estimate.h"

#ifdef ENCLAVE_HAVE_CUDA
#include "cuda/cuda_devices.h"
#endif

namespace enclave::app {

quint64 systemFreeRamBytes() { return availableRamBytes(); }

QList<GpuMemory> gpuMemory()
{
    QList<GpuMemory> out;
#ifdef ENCLAVE_HAVE_CUDA
    for (const cuda::CudaDeviceInfo &d : cuda::listCudaDevices().devices)
        out.append({QString::fromStdString(d.name), d.freeMemory, d.totalMemory});
#endif
    return out;
}

} // namespace enclave::app
