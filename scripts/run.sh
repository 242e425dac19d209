#!/usr/bin/env bash
# Sets up a fresh Debian machine for Enclave (system packages), builds it, and launches it.
# Extra arguments go to the app (for example a model file: ./scripts/run.sh model.gguf).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh
cmake -S . -B build -G Ninja
cmake --build build --target enclave -j "$(nproc)"
exec ./build/app/enclave "$@"
