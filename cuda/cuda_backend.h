// The CUDA backend's entry point: registers "cuda" with the engine's backend registry.
#pragma once

namespace enclave::cuda {

// Safe to call more than once and on machines without a GPU (creating an evaluator then fails
// with the reason, and "auto" falls back to the CPU).
void registerCudaBackend();

} // namespace enclave::cuda
