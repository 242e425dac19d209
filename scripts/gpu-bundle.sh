#!/bin/sh
# Builds a self-contained bundle for checking the CUDA backend on a GPU machine that has the
# NVIDIA driver but none of the build dependencies: the stripped binaries, the few shared
# libraries they need, the reference models, and gpu-checks.sh to run there.
#   scripts/gpu-bundle.sh [OUT_DIR]      (default: .gpu-bundle; run from the repository)
# Then on the GPU machine, from the bundle's parent folder:  sh OUT_DIR/gpu-checks.sh OUT_DIR RESULTS_DIR
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.gpu-bundle}
build=${BUILD_DIR:-$root/build}
refpack=${REFPACK_DIR:-$root/../shared/refpack}
cmake --build "$build" --target enclave-cli gpu_conformance cuda_forward_check cuda_matvec_check >/dev/null
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/refpack/models"
for exe in engine/enclave-cli tests/cuda/gpu_conformance tests/cuda/cuda_forward_check tests/cuda/cuda_matvec_check; do
  strip -o "$out/bin/$(basename "$exe")" "$build/$exe"
done
# Shared libraries outside the C/C++ runtime that the binaries link (PCRE2, utf8proc, spdlog, fmt).
for exe in "$out"/bin/*; do
  ldd "$exe" | awk '/=> \// {print $3}'
done | sort -u | grep -Ev '/(libc|libm|libgcc_s|libstdc\+\+|libpthread|libdl|librt)\.so' | while read -r lib; do
  cp -L "$lib" "$out/lib/"
done
cp "$refpack/prompt.json" "$out/refpack/"
for dir in "$refpack"/models/*/; do
  name=$(basename "$dir")
  mkdir -p "$out/refpack/models/$name/gguf" "$out/refpack/models/$name/ref"
  cp "$dir/ref/hf_logits.f32" "$out/refpack/models/$name/ref/"
  for type in q4_0 q4_k_m q8_0; do  # q6_k tensors appear inside q4_k_m
    cp "$dir/gguf/$name-$type.gguf" "$out/refpack/models/$name/gguf/"
  done
done
# Hugging Face folders of the two models whose checkpoints exercise other code paths (BF16
# safetensors; DeepSeek's kv_b_proj, transposed k_b heads on the GPU).
cp -r "$refpack/models/deepseek_v2/hf" "$out/refpack/models/deepseek_v2/"
cp -r "$refpack/models/llama/hf" "$out/refpack/models/llama/"
cp "$root/scripts/gpu-checks.sh" "$out/"
du -sh "$out"
