#!/usr/bin/env bash
# Sets up the system packages, builds everything (warnings are errors, CUDA code included
# where nvcc exists) and runs every test with CTest. GPU tests skip without a GPU. Then the
# hostile-input checks: the file-reading suites under ASan + UBSan, and every fuzz target's
# regression inputs plus a time-bounded fuzzing run (scripts/test-hardening.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENCLAVE_WERROR=ON
cmake --build build -j "$(nproc)"
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 900)
./scripts/test-hardening.sh
