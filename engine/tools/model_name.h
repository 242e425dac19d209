// The name a Hugging Face checkpoint goes by: GGUF general.name of a conversion, the stem of the
// converted file and the name the library shows. Checkpoint folders are often named generically
// ("hf", "model", a hub snapshot hash under "snapshots"), so those names are skipped for a better one.
#pragma once

#include <string>

namespace enclave {

// From the path alone (no file is read, so it is cheap enough for every repaint): the stem of a
// .safetensors file or the folder's name, walking up to two folders past generic names;
// "models--Org--Name" (the hub cache) gives "Name". Falls back to the plain name when all are generic.
std::string modelNameFromPath(const std::string &path);

// config.json's "_name_or_path" when it names a model ("Qwen/Qwen3-8B" -> "Qwen3-8B"; a local
// path is judged like a path), else modelNameFromPath(input). An unreadable config.json is ignored.
// The result is safe as a file name: no separators or control characters.
std::string checkpointName(const std::string &input);

} // namespace enclave
