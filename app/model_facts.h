// ModelFacts: what the library shows about a model file beyond its record — parameters, experts,
// dominant quantization, context, and the byte counts the memory estimate needs. Read from headers
// on a pool thread; a missing or unreadable file gives an error, never an exception.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/memory_estimate.h"

#include <QString>

namespace enclave::app {

struct ModelFacts {
    bool ok = false;
    QString error;         // why not ok: a plain first line, then (after "\n") the technical detail
    QString architecture;  // as the file names it
    QString family;        // as people name it ("Mixtral" for a llama with experts)
    qint64 totalParams = 0;
    qint64 activeParams = 0;
    qint64 experts = 0;
    qint64 expertsUsed = 0;
    QString quantization;  // the file's mix ("Q4_K_M"), else the type holding most weight bytes ("Q4_K")
    qint64 contextLength = 0;
    WeightBytes weights;
    ModelConfig config;
};

ModelFacts readModelFacts(const QString &path);

// The context length the library estimates memory at: `chosen` when > 0, else the model's own
// capped to kDefaultEstimateContext.
inline constexpr qint64 kDefaultEstimateContext = 8192;
qint64 estimateContext(const ModelFacts &facts, qint64 chosen);

} // namespace enclave::app
