// The <arch>.* GGUF keys of a model, written from its canonical ModelConfig so that a converted file
// reads back (arch/config_reader.cpp and the family files) into the same configuration.
#pragma once

#include "engine/arch/model_config.h"

#include <string>

namespace enclave {

class GgufWriter;

// The GGUF general.architecture of a family ("llama" for Llama/Mistral/Mixtral, "qwen3moe"...).
std::string ggufArchitectureName(ArchFamily family);

// Sets general.architecture, general.name and every hyper-parameter key the engine and llama.cpp
// read for the family. Throws std::invalid_argument for a configuration GGUF cannot express.
void setGgufModelKeys(GgufWriter &writer, const ModelConfig &config, const std::string &name);

} // namespace enclave
