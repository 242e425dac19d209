// gpt-oss (gpt-oss-20b/120b): q/k/v/o biases, a learned attention sink per head, sliding-window
// attention on every other layer (the even ones, as llama.cpp fixes it for this family), NeoX RoPE
// with YaRN, and MoE layers whose router has a bias, whose experts have biases, whose weights are
// a softmax over the selected logits and whose activation is the clamped SwiGLU (alpha 1.702,
// limit 7, both fixed by the architecture).
#include "engine/arch/architectures.h"

#include "engine/model/model_file_error.h"

namespace enclave {

void configureGptOss(const ConfigReader &r, ModelConfig &c)
{
    if (!r.isGguf())
        throw ModelFileError("This gpt-oss folder cannot be opened yet; its GGUF file works.",
                             "gpt-oss Hugging Face checkpoints (MXFP4 _blocks/_scales tensors) are not read yet; "
                             "use a GGUF of the model");
    c.rope.style = RopeStyle::HalfSplit;
    c.attnBias = true;
    c.attnOutputBias = true;
    c.attnSinks = true;
    c.slidingWindow = r.ggufInt("attention.sliding_window").value_or(0);
    if (c.slidingWindow > 0) {
        c.slidingLayers.resize(size_t(c.nLayer));
        for (int64_t i = 0; i < c.nLayer; ++i)
            c.slidingLayers[size_t(i)] = i % 2 == 0;
    }
    c.moe.gating = ExpertGating::Softmax;
    c.moe.normTopK = true; // a softmax over the selected logits
    c.moe.expertBiases = true;
    c.moe.activation = ExpertActivation::ClampedSwiGlu;
}

} // namespace enclave
