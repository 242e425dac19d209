#!/bin/sh
# The CUDA backend's checks and benchmarks, on a GPU machine, from a bundle made by gpu-bundle.sh:
#   sh gpu-checks.sh BUNDLE_DIR RESULTS_DIR [quick]
# 1. every kernel against the CPU functions (cuda_forward_check, cuda_matvec_check);
# 2. the reference-pack conformance with all / none / half of the experts in VRAM, then again
#    under compute-sanitizer;
# 3. (unless quick) benchmarks on a synthetic Qwen3-30B-A3B-shaped Q4_K_M model: everything in
#    VRAM, 8 GiB and 4 GiB budgets, all experts in RAM, and the whole-layer static split at 8 GiB,
#    each replaying a calibrated routing trace and printing its cache hit rate and limits.
set -u
bundle=$(cd "$1" && pwd)
results=$2
mkdir -p "$results"
export LD_LIBRARY_PATH="$bundle/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
cli="$bundle/bin/enclave-cli"
nvidia-smi --query-gpu=name,memory.used,memory.total,driver_version --format=csv | tee "$results/gpu.txt"
"$bundle/bin/cuda_forward_check" >"$results/forward_check.txt" 2>&1; echo "forward check: exit $?"
tail -3 "$results/forward_check.txt"
"$bundle/bin/cuda_matvec_check" >"$results/matvec_check.txt" 2>&1; echo "matvec check: exit $?"
tail -3 "$results/matvec_check.txt"
"$bundle/bin/gpu_conformance" "$bundle/refpack" >"$results/conformance.txt" 2>&1; echo "conformance: exit $?"
tail -5 "$results/conformance.txt"
if command -v compute-sanitizer >/dev/null; then
  compute-sanitizer --tool memcheck --print-limit 20 "$bundle/bin/gpu_conformance" "$bundle/refpack" \
    >"$results/sanitizer.txt" 2>&1
  echo "sanitizer: exit $?"; grep -E "ERROR SUMMARY" "$results/sanitizer.txt"
fi
[ "${3:-}" = quick ] && exit 0

model=/tmp/qwen3-30b-a3b-q4_k_m.gguf
[ -f "$model" ] || "$cli" synth --preset qwen3-30b-a3b --quant Q4_K_M --out "$model" >/dev/null
"$cli" trace generate --model "$model" --tokens 2048 --seed 7 -o /tmp/calibrated.trace >"$results/trace.txt" 2>&1
threads=$(nproc)
bench() { # name, extra options
  name=$1; shift
  "$cli" bench --model "$model" --prompt 512 --gen 128 --threads "$threads" --backend cuda \
    "$@" >"$results/bench-$name.txt" 2>&1
  echo "== $name: exit $?"; grep -E "^(device|prompt|experts|split|generation):" "$results/bench-$name.txt"
}
# Everything resident: routing cannot change what is where, and the device-only decode path
# (no host in the loop) is what is measured, so no trace replay here.
bench all-vram
set -- --replay-trace /tmp/calibrated.trace
bench budget-8g "$@" --vram-budget 8192
bench budget-4g "$@" --vram-budget 4096
bench static-layers-8g "$@" --vram-budget 8192 --cache-policy static-layers
# All experts on the CPU: a budget of just the shared part (the refusal message says its size).
base=$("$cli" bench --model "$model" --prompt 512 --gen 128 --backend cuda --vram-budget 1 2>&1 | sed -n 's/.*need \([0-9]*\) MiB.*/\1/p')
[ -n "$base" ] && bench experts-in-ram "$@" --vram-budget $((base + 1))
"$cli" bench --model "$model" --prompt 512 --gen 128 --threads "$threads" --backend cpu >"$results/bench-cpu.txt" 2>&1
echo "== cpu only"; grep -E "^(prompt|generation):" "$results/bench-cpu.txt"
