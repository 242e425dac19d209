#!/bin/bash
# Builds cuda_forward_check without CMake or Qt (GPU machines that have only the CUDA toolkit):
#   tests/cuda/build_forward_check.sh OUT_BINARY   (run from anywhere; JOBS=n parallel compiles,
#   default: all cores)
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/tmp/cuda_forward_check}
export root nvcc=${NVCC:-/usr/local/cuda/bin/nvcc} objs=$(mktemp -d)
compile() {
  local obj="$objs/$(echo "$1" | tr / _).o"
  case "$1" in
    *.cu) "$nvcc" -std=c++17 -O3 -arch=sm_90 -I"$root" -c "$root/$1" -o "$obj" ;;
    *) g++ -std=c++20 -O2 -I"$root" -I/usr/local/cuda/include -c "$root/$1" -o "$obj" ;;
  esac
}
export -f compile
cd "$root"
ls engine/quant/*.cpp engine/cpu/*.cpp engine/runtime/ops.cpp engine/runtime/moe.cpp \
   tests/cuda/forward_kernels_check.cpp tests/cuda/cuda_forward_check.cpp cuda/*.cu |
  xargs -P "${JOBS:-$(nproc)}" -I{} bash -c 'compile {}'
"$nvcc" -arch=sm_90 "$objs"/*.o -o "$out" -lpthread
rm -rf "$objs"
echo "built $out"
