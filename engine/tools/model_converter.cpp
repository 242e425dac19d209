// The conversion: open the checkpoint and its tokenizer, plan the tensors, check the disk, then
// stream every tensor through GgufWriter, quantizing chunks of rows on a thread pool.
#include "engine/tools/model_converter.h"

#include "engine/arch/architectures.h"
#include "engine/cpu/thread_pool.h"
#include "engine/model/gguf_writer.h"
#include "engine/quant/traits.h"
#include "engine/text/tokenizer_files.h"
#include "engine/tools/gguf_model_keys.h"
#include "engine/tools/gguf_tokenizer_keys.h"
#include "engine/tools/model_name.h"
#include "engine/tools/tensor_plan.h"

#include <cstdio>
#include <filesystem>

namespace enclave {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kChunkBytes = 8u << 20;        // output bytes quantized between progress/cancel checks
constexpr uint64_t kMetadataSlack = 1u << 20;     // headers beyond what is counted below

// Everything a conversion needs, opened once; weights are views into `files`.
struct OpenedCheckpoint {
    explicit OpenedCheckpoint(const std::string &input) : files(checkedInput(input))
    {
        config = readModelConfig(files);
        weights = loadModelWeights(files, config, owned);
        tokenizer = loadTokenizerSpec(files.safetensors()->directory());
    }

    static std::string checkedInput(const std::string &input)
    {
        if (resolveModelPath(input).first != ModelFormat::Safetensors)
            throw std::runtime_error(input + " is already a GGUF file; quantize takes a safetensors model");
        return input;
    }

    uint64_t estimatedBytes(const std::vector<PlannedTensor> &tensors) const
    {
        uint64_t bytes = kMetadataSlack + tokenizer.chatTemplate.size();
        for (const PlannedTensor &t : tensors)
            bytes += t.bytes() + kGgufDefaultAlignment + t.name.size() + 64;
        for (const std::string &s : tokenizer.tokens)
            bytes += s.size() + 8 + 4 + 4;
        for (const auto &[a, b] : tokenizer.merges)
            bytes += a.size() + b.size() + 9;
        return bytes + uint64_t(std::max<int64_t>(config.nVocab - tokenizer.vocabSize(), 0)) * 32;
    }

    ModelFiles files;
    ModelConfig config;
    std::deque<std::vector<float>> owned;
    ModelWeights weights;
    TokenizerSpec tokenizer;
};

// The sources are .safetensors and .json files, so a .gguf output can never replace one of them.
void checkOutputPath(const std::string &output)
{
    if (fs::path(output).extension() != ".gguf")
        throw std::runtime_error("output " + output + " must end in .gguf");
    const fs::path folder = fs::absolute(output).parent_path();
    if (!fs::is_directory(folder))
        throw std::runtime_error("output folder " + folder.string() + " does not exist");
}

void checkFreeSpace(const std::string &output, uint64_t needed, const ConvertOptions &o)
{
    const std::string folder = fs::absolute(output).parent_path().string();
    uint64_t available = 0;
    if (o.freeSpace) {
        available = o.freeSpace(folder);
    } else {
        std::error_code ec;
        const fs::space_info info = fs::space(folder, ec);
        if (ec)
            throw std::runtime_error("cannot read the free space of " + folder + ": " + ec.message());
        available = info.available;
    }
    if (available < needed)
        throw std::runtime_error("not enough disk space in " + folder + ": the converted model needs about " +
                                 formatBytes(needed) + " but only " + formatBytes(available) + " is free");
}

// Quantizes a tensor into `out`, chunk by chunk; reports bytes after each chunk and honours cancel.
void quantizeTensor(const PlannedTensor &t, std::span<uint8_t> out, ThreadPool &pool,
                    const std::function<void(uint64_t bytesDone)> &onChunk, const std::atomic<bool> *cancel)
{
    const QuantTraits &traits = quantTraits(t.type);
    const int64_t n = t.rowLength(), rowBytes = quantRowBytes(t.type, n), rows = t.rows();
    const int64_t chunkRows = std::max<int64_t>(1, int64_t(kChunkBytes) / std::max<int64_t>(rowBytes, 1));
    std::vector<std::vector<float>> scratch(size_t(pool.size()), std::vector<float>(size_t(n)));
    for (int64_t first = 0; first < rows; first += chunkRows) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw ConversionCancelled();
        const int64_t count = std::min(chunkRows, rows - first);
        pool.parallelFor(count, [&](int64_t begin, int64_t end, int worker) {
            float *row = scratch[size_t(worker)].data();
            for (int64_t r = first + begin; r < first + end; ++r) {
                t.readRow(r, row);
                traits.quantizeRow(row, out.data() + r * rowBytes, n);
            }
        }, std::max<int64_t>(1, 64 * 1024 / std::max<int64_t>(rowBytes, 1)));
        onChunk(uint64_t(count * rowBytes));
    }
}

} // namespace

std::vector<ConversionEstimate> estimateConversions(const std::string &input, const std::vector<QuantMix> &mixes)
{
    const OpenedCheckpoint c(input);
    std::vector<ConversionEstimate> out;
    for (QuantMix mix : mixes) {
        const std::vector<PlannedTensor> tensors = planGgufTensors(c.config, c.weights, mix);
        out.push_back({mix, ggufArchitectureName(c.config.family), c.estimatedBytes(tensors), int(tensors.size())});
    }
    return out;
}

ConversionEstimate estimateConversion(const std::string &input, QuantMix mix)
{
    return estimateConversions(input, {mix}).front();
}

uint64_t convertToGguf(const std::string &input, const std::string &output, const ConvertOptions &o)
{
    checkOutputPath(output);
    const OpenedCheckpoint c(input);
    const std::vector<PlannedTensor> tensors = planGgufTensors(c.config, c.weights, o.mix);
    checkFreeSpace(output, c.estimatedBytes(tensors), o);

    GgufWriter writer;
    setGgufModelKeys(writer, c.config, checkpointName(input));
    writer.set("general.file_type", quantMixFileType(o.mix));
    writer.set("general.quantization_version", uint32_t(2));
    setGgufTokenizerKeys(writer, c.tokenizer, c.config.nVocab);

    ThreadPool pool(o.threads);
    uint64_t total = 0, done = 0;
    for (const PlannedTensor &t : tensors)
        total += t.bytes();
    const auto onChunk = [&](uint64_t bytes) {
        done += bytes;
        if (o.progress)
            o.progress(double(done) / double(std::max<uint64_t>(total, 1)));
    };
    for (const PlannedTensor &t : tensors)
        writer.addTensor(t.name, t.type, t.shape, [&t, &pool, &onChunk, &o](std::span<uint8_t> out) {
            quantizeTensor(t, out, pool, onChunk, o.cancel);
        });
    if (o.cancel && o.cancel->load())
        throw ConversionCancelled();
    writer.write(output);
    return fs::file_size(output);
}

} // namespace enclave
