// cuda_matvec_check: the CUDA matvec checks and benchmarks without Qt, for GPU machines that lack
// it. Prints one line per format and shape, then weight GB/s next to the device copy bandwidth.
// Usage: cuda_matvec_check [--sweep | --check-only]: --sweep also times every rows-per-warp choice,
// --check-only skips the benchmarks (for compute-sanitizer). Exit status 1 on any failure.
#include "tests/cuda/matvec_check.h"

#include <cstdio>
#include <cstring>
#include <exception>

using namespace enclave;
using namespace enclave::cuda::check;

namespace {

bool checkAll()
{
    bool ok = true;
    for (const QuantType type : matvecTypes()) {
        for (const MatvecShape &shape : matvecShapes(type)) {
            const CheckResult r = checkMatvec(type, shape, uint32_t(shape.rows * 131 + shape.cols));
            const bool pass = r.worstRatio <= 1.0;
            ok = ok && pass;
            std::printf("%-5s %5lld x %-5lld %s  worst error/bound %.3f  (%lld outputs)%s%s\n",
                        std::string(quantTypeName(type)).c_str(), (long long)shape.rows, (long long)shape.cols,
                        pass ? "PASS" : "FAIL", r.worstRatio, (long long)r.outputs, pass ? "" : "  ",
                        pass ? "" : r.worst.c_str());
        }
    }
    return ok;
}

void benchmark(bool sweep)
{
    const double copy = copyBandwidthGBps();
    std::printf("\ndevice-to-device copy: %.0f GB/s (read + write)\n", copy);
    const MatvecShape shapes[] = {{4096, 4096}, {128 * 768, 2048}};
    const char *names[] = {"4096x4096", "128 experts x 768x2048"};
    const int64_t tokenCounts[] = {1, 2, 4, 8};
    for (int s = 0; s < 2; ++s) {
        std::printf("\n%s: weight GB/s (%% of copy) and us per call, n tokens\n", names[s]);
        for (const QuantType type : matvecTypes()) {
            std::printf("%-5s", std::string(quantTypeName(type)).c_str());
            for (const int64_t n : tokenCounts) {
                const Throughput t = matvecThroughput(type, shapes[s], n);
                std::printf("  n=%lld %6.0f (%3.0f%%) %7.1fus", (long long)n, t.weightGBps, 100 * t.weightGBps / copy,
                            t.microseconds);
            }
            std::printf("\n");
            if (!sweep)
                continue;
            for (const int rowsPerWarp : {1, 2, 4}) {
                std::printf("  R=%d", rowsPerWarp);
                for (const int64_t n : tokenCounts)
                    std::printf("  n=%lld %6.0f", (long long)n, matvecThroughput(type, shapes[s], n, rowsPerWarp).weightGBps);
                std::printf("\n");
            }
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    const bool sweep = argc > 1 && std::strcmp(argv[1], "--sweep") == 0;
    const bool checkOnly = argc > 1 && std::strcmp(argv[1], "--check-only") == 0;
    try {
        std::string reason;
        const std::string device = deviceDescription(reason);
        if (device.empty()) {
            std::printf("no CUDA device: %s\n", reason.c_str());
            return 0;
        }
        std::printf("device: %s\n", device.c_str());
        const bool ok = checkAll();
        if (!checkOnly)
            benchmark(sweep);
        std::printf("\n%s\n", ok ? "ALL PASS" : "FAILURES");
        return ok ? 0 : 1;
    } catch (const std::exception &e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
}
