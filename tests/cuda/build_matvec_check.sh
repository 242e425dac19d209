#!/bin/sh
# Builds cuda_matvec_check without CMake or Qt (GPU machines that have only the CUDA toolkit):
#   tests/cuda/build_matvec_check.sh OUT_BINARY   (run from anywhere; compiles in parallel)
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/tmp/cuda_matvec_check}
nvcc=${NVCC:-/usr/local/cuda/bin/nvcc}
objs=$(mktemp -d)
for f in "$root"/engine/quant/*.cpp "$root"/tests/cuda/matvec_check.cpp "$root"/tests/cuda/cuda_matvec_check.cpp; do
  g++ -std=c++20 -O2 -I"$root" -I/usr/local/cuda/include -c "$f" -o "$objs/$(basename "$f" .cpp).o" &
done
for f in "$root"/cuda/*.cu; do
  "$nvcc" -std=c++17 -O3 -arch=sm_90 -I"$root" -c "$f" -o "$objs/$(basename "$f" .cu).cu.o" &
done
wait
"$nvcc" -arch=sm_90 "$objs"/*.o -o "$out"
rm -rf "$objs"
echo "built $out"
