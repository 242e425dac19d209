// readModelFacts: describeModel + readModelConfig + tensor byte sums, translated for the library.
#include "app/model_facts.h"
#include "engine/model/printable.h"

#include "engine/arch/architectures.h"
#include "engine/model_info.h"

#include <QFileInfo>

#include <map>

namespace enclave::app {

ModelFacts readModelFacts(const QString &path)
{
    ModelFacts f;
    if (!QFileInfo::exists(path)) {
        f.error = QObject::tr("%1 was moved or deleted").arg(path);
        return f;
    }
    try {
        const ModelFiles files(path.toStdString());
        const ModelInfo info = describeModel(files, path.toStdString());
        f.config = readModelConfig(files);
        f.weights = weightBytesOf(files);
        f.architecture = QString::fromStdString(info.architecture);
        f.totalParams = info.totalParams;
        f.activeParams = info.activeParams;
        f.experts = info.experts;
        f.expertsUsed = info.expertsUsed;
        f.contextLength = info.contextLength;
        std::map<std::string, uint64_t> bytesByType;
        for (const TensorView &t : files.tensors())
            bytesByType[std::string(quantTypeName(t.type))] += t.bytes;
        uint64_t best = 0;
        for (const auto &[type, bytes] : bytesByType)
            if (bytes > best)
                best = bytes, f.quantization = QString::fromStdString(type);
        // The file's own name for its mix (Q4_K_M) beats the dominant tensor type (Q4_K).
        if (!info.fileType.empty())
            f.quantization = QString::fromStdString(info.fileType);
        f.family = QString::fromStdString(printable(info.family));
        f.ok = true;
    } catch (const std::exception &e) {
        f.error = QString::fromStdString(enclave::printableText(e.what()));
    }
    return f;
}

qint64 estimateContext(const ModelFacts &facts, qint64 chosen)
{
    if (chosen > 0)
        return chosen;
    return facts.contextLength > 0 ? std::min(facts.contextLength, kDefaultEstimateContext) : kDefaultEstimateContext;
}

} // namespace enclave::app
