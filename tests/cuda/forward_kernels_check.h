// Checks of the forward-pass kernels (cuda/forward_kernels.cuh) against the CPU: the engine's own
// functions where they exist (rmsNorm, applyRope + RopeTables, swiglu, routeToken, dequantizeRow),
// double-precision loops elsewhere (attention, latent attention, matvecs, combine, gated add). Qt-
// free, so that tst_cuda_forward_kernels and the plain cuda_forward_check driver run the same code.
#pragma once

#include <ostream>

namespace enclave::cuda::check {

struct ForwardCheckOptions {
    // Launches over more than 2^31 elements (a few GB of device memory each), to catch 32-bit
    // index overflows; skipped where memory is short. Off for compute-sanitizer runs.
    bool largeSizes = true;
};

// Runs every case, prints one line per case (PASS/FAIL, max abs and relative error, the worst
// error against its bound) and returns the number of failed cases. Needs a CUDA device.
int runForwardKernelChecks(std::ostream &log, const ForwardCheckOptions &options);
int runForwardKernelChecks(std::ostream &log);

} // namespace enclave::cuda::check
