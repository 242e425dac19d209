// Registers the CUDA evaluator as the engine's "cuda" backend.
#include "cuda/cuda_backend.h"

#include "cuda/cuda_evaluator.h"

namespace enclave::cuda {

void registerCudaBackend()
{
    registerBackend("cuda", [](const Model &model, int64_t contextLength, ThreadPool &pool,
                               const BackendOptions &options) -> std::unique_ptr<Evaluator> {
        return std::make_unique<CudaEvaluator>(model, contextLength, pool, options);
    });
}

} // namespace enclave::cuda
