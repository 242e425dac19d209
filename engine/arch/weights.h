// The canonical weights every architecture maps onto, as views into the mapped file.
// Matrix: [rows, cols] row-major in any QuantType (a slice of a 3D expert tensor is a
// Matrix too). Small vectors (norms, biases, router bias) are converted to float32 once.
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>
#include <vector>

namespace enclave {

struct Matrix {
    QuantType type = QuantType::F32;
    int64_t rows = 0;
    int64_t cols = 0;
    const uint8_t *data = nullptr;
    int64_t rowBytes = 0;
    // FP8 checkpoints: float32 scale per [128 × 128] block, [ceil(rows/128), ceil(cols/128)].
    const float *blockScales = nullptr;
    int64_t scaleBlock = 0;
    bool present() const { return data != nullptr; }
    const uint8_t *row(int64_t r) const { return data + r * rowBytes; }
};

struct Expert {
    Matrix gate; // [nFfExpert, nEmbd]
    Matrix up;   // [nFfExpert, nEmbd]
    Matrix down; // [nEmbd, nFfExpert]
};

struct LayerWeights {
    std::vector<float> attnNorm; // [nEmbd]
    // Standard attention
    Matrix wq, wk, wv;           // [nHead*headDim, nEmbd], [nHeadKv*headDim, nEmbd], [nHeadKv*headDimV, nEmbd]
    std::vector<float> bq, bk, bv, bo;
    std::vector<float> sinks;    // [nHead] attention sink logits (gpt-oss)
    std::vector<float> qNorm, kNorm; // [headDim] per head (Qwen3) or [nHead*headDim] (OLMoE)
    // Multi-head latent attention (DeepSeek)
    Matrix wqA;                  // [qLoraRank, nEmbd]
    std::vector<float> qANorm;   // [qLoraRank]
    Matrix wqB;                  // [nHead*(nope+rope), qLoraRank]; without q-LoRA wq holds it
    Matrix wkvA;                 // [kvLoraRank + rope, nEmbd]
    std::vector<float> kvANorm;  // [kvLoraRank]
    std::vector<Matrix> wkB;     // per head [kvLoraRank, nope]: q_nope → latent (absorbed);
    bool wkBTransposed = false;  // true: stored [nope, kvLoraRank] (HF kv_b_proj rows)
    std::vector<Matrix> wvB;     // per head [vHeadDim, kvLoraRank]: latent → v
    Matrix wo;                   // [nEmbd, nHead*headDimV]
    // Gated DeltaNet (recurrent layers)
    Matrix wqkv;                 // [channels, nEmbd]: q, k, v of every head
    Matrix wz;                   // [nVHeads*headVDim, nEmbd]: the output gate
    Matrix wBeta, wAlpha;        // [nVHeads, nEmbd]: the update strength and the decay's input
    Matrix ssmOut;               // [nEmbd, nVHeads*headVDim]
    std::vector<float> conv;     // [channels, convKernel], the current token's tap last
    std::vector<float> dtBias, ssmA; // [nVHeads]: decay = exp(softplus(alpha + dtBias) * ssmA), ssmA < 0
    std::vector<float> ssmNorm;  // [headVDim]

    std::vector<float> ffnNorm;  // [nEmbd]
    // Dense FFN
    Matrix ffnGate, ffnUp, ffnDown;
    // MoE
    Matrix router;                    // [nExpert, nEmbd]
    std::vector<float> routerBias;    // [nExpert] selection bias (DeepSeek V3 e_score_correction_bias)
    std::vector<float> routerLogitBias; // [nExpert] added to the router's logits (gpt-oss)
    std::vector<Expert> experts;      // [nExpert]
    // Expert biases (gpt-oss), expert-major: [nExpert, nFfExpert] for gate and up, [nExpert, nEmbd] for down.
    std::vector<float> expertGateBias, expertUpBias, expertDownBias;
    Expert shared;                    // shared expert(s) as one FFN (absent: none)
    std::vector<float> sharedGate;    // [nEmbd] Qwen2-MoE shared_expert_gate
};

struct ModelWeights {
    Matrix tokenEmbd;            // [nVocab, nEmbd]
    std::vector<float> outputNorm;
    Matrix output;               // [nVocab, nEmbd] (tied: the embedding)
    std::vector<LayerWeights> layers;
};

} // namespace enclave
