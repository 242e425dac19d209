// GPU conformance on the reference pack, without Qt: every model file evaluated on the CUDA
// backend with the VRAM budget holding all routed experts, none of them (all on the CPU) and
// about half (the cache admits and evicts as it goes), the prompt whole and token by token, each
// compared with the CPU evaluator on the same file and with transformers' logits.
#pragma once

#include <ostream>
#include <string>

namespace enclave::cuda {

// Returns the number of failed comparisons (0: all within bounds). Throws when there is no GPU.
int runGpuConformance(const std::string &refpackDir, std::ostream &log);

} // namespace enclave::cuda
