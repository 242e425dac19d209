// See gpu_conformance.h. Bound: the median row's relative L2 difference to the CPU evaluator on
// the same file stays under 1e-4 (both compute in float32; only summation orders differ, which
// gives ~1e-6), and top-1 tokens agree wherever the CPU's top-1 leads by a clear margin.
#include "tests/cuda/gpu_conformance.h"

#include "cuda/cuda_evaluator.h"
#include "engine/cpu/thread_pool.h"
#include "engine/runtime/inference_state.h"
#include "engine/runtime/model.h"
#include "tests/support/logits.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>

namespace enclave::cuda {
namespace {

namespace fs = std::filesystem;
using Logits = std::vector<float>;
using test::medianRowRel;

Logits readF32(const fs::path &path) { return test::readF32(path.string()); }

// Rows where the reference's top-1 leads top-2 by more than 1e-3 and the candidate disagrees.
int topOneDisagreements(const Logits &candidate, const Logits &ref, int64_t vocab)
{
    int bad = 0;
    for (size_t r = 0; r < ref.size() / size_t(vocab); ++r) {
        const float *row = ref.data() + r * vocab;
        std::vector<float> sorted(row, row + vocab);
        std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
        if (sorted[0] - sorted[1] <= 1e-3f)
            continue;
        const auto top = [&](const float *x) { return std::max_element(x, x + vocab) - x; };
        bad += top(candidate.data() + r * vocab) != top(row);
    }
    return bad;
}

Logits run(Evaluator &e, const std::vector<int32_t> &ids, int64_t step)
{
    const int64_t vocab = e.model().config().nVocab;
    Logits out(ids.size() * size_t(vocab));
    for (size_t at = 0; at < ids.size(); at += size_t(step)) {
        const size_t count = std::min(size_t(step), ids.size() - at);
        e.evaluate(std::span(ids).subspan(at, count), out.data() + at * size_t(vocab));
    }
    return out;
}

} // namespace

int runGpuConformance(const std::string &refpackDir, std::ostream &log)
{
    const fs::path root(refpackDir);
    std::ifstream promptFile(root / "prompt.json");
    if (!promptFile)
        throw std::runtime_error("no prompt.json in " + refpackDir);
    const std::vector<int32_t> ids = nlohmann::json::parse(promptFile)["ids"].get<std::vector<int32_t>>();
    ThreadPool &pool = defaultThreadPool();
    int failures = 0;
    log << std::left << std::setw(34) << "file" << std::setw(9) << "experts" << std::setw(6) << "step" << std::setw(13)
        << "vs CPU" << std::setw(13) << "CPU vs HF" << std::setw(13) << "GPU vs HF"
        << "served from VRAM\n";
    std::vector<fs::path> models;
    for (const auto &entry : fs::directory_iterator(root / "models"))
        models.push_back(entry.path());
    std::sort(models.begin(), models.end());
    for (const fs::path &dir : models) {
        const Logits hf = readF32(dir / "ref" / "hf_logits.f32");
        std::vector<fs::path> files;
        if (fs::exists(dir / "gguf"))
            for (const auto &entry : fs::directory_iterator(dir / "gguf"))
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        if (fs::exists(dir / "hf"))
            files.insert(files.begin(), dir / "hf");
        for (const fs::path &file : files) {
            const auto model = Model::load(file.string());
            const int64_t vocab = model->config().nVocab;
            const std::string name = dir.filename().string() + "/" + file.filename().string();
            // Budgets: the plan with everything, then only the base (no expert), then half the experts.
            // (The probe is gone before the measured evaluators allocate.)
            const CudaPlan plan = CudaEvaluator(*model, int64_t(ids.size()), pool, BackendOptions{}).plan();
            struct Budget {
                const char *name;
                int64_t bytes;
            };
            std::vector<Budget> budgets{{"all", -1}};
            if (plan.totalExperts > 0) {
                budgets.push_back({"none", plan.baseBytes});
                budgets.push_back({"half", plan.baseBytes + plan.totalExperts / 2 * plan.slotBytes});
            }
            for (const int64_t step : {int64_t(ids.size()), int64_t(1)}) {
                InferenceState cpuState(*model, int64_t(ids.size()), pool);
                const Logits cpu = run(cpuState, ids, step);
                for (const Budget &budget : budgets) {
                    BackendOptions options;
                    options.vramBudgetBytes = budget.bytes;
                    CudaEvaluator gpu(*model, int64_t(ids.size()), pool, options);
                    const Logits got = run(gpu, ids, step);
                    const double vsCpu = medianRowRel(got, cpu, vocab);
                    const int disagree = topOneDisagreements(got, cpu, vocab);
                    const bool finite = std::all_of(got.begin(), got.end(), [](float v) { return std::isfinite(v); });
                    const bool ok = finite && vsCpu < 1e-4 && disagree == 0;
                    failures += ok ? 0 : 1;
                    const EvaluatorStats s = gpu.stats();
                    log << std::setw(34) << name << std::setw(9) << budget.name << std::setw(6) << step
                        << std::setw(13) << std::scientific << std::setprecision(2) << vsCpu << std::setw(13)
                        << (hf.size() == cpu.size() ? medianRowRel(cpu, hf, vocab) : NAN) << std::setw(13)
                        << (hf.size() == got.size() ? medianRowRel(got, hf, vocab) : NAN) << std::fixed
                        << std::setprecision(1)
                        << (s.expertComputations ? 100.0 * double(s.expertsOnGpu) / double(s.expertComputations) : 0.0)
                        << "% (" << s.expertCopies << " copies)" << (ok ? "" : "  FAIL") << "\n";
                }
            }
        }
    }
    // Long context (split attention over many positions, several prompt chunks, decode after them):
    // 600 random tokens as one prompt, then 8 single steps, on each model's q8_0 file.
    for (const fs::path &dir : models) {
        const fs::path file = dir / "gguf" / (dir.filename().string() + "-q8_0.gguf");
        if (!fs::exists(file))
            continue;
        const auto model = Model::load(file.string());
        const int64_t vocab = model->config().nVocab;
        std::vector<int32_t> longIds(608);
        for (size_t i = 0; i < longIds.size(); ++i)
            longIds[i] = int32_t((i * 7919 + 13) % size_t(std::min<int64_t>(vocab, 500)));
        auto runLong = [&](Evaluator &e) {
            std::vector<float> last(static_cast<size_t>(vocab)), tail;
            e.evaluate(std::span(longIds).first(600), nullptr, last.data());
            tail = last;
            for (size_t i = 600; i < longIds.size(); ++i) {
                e.evaluate(std::span(longIds).subspan(i, 1), nullptr, last.data());
                tail.insert(tail.end(), last.begin(), last.end());
            }
            return tail;
        };
        InferenceState cpuState(*model, int64_t(longIds.size()), pool);
        const Logits cpu = runLong(cpuState);
        const CudaPlan plan = CudaEvaluator(*model, int64_t(longIds.size()), pool, BackendOptions{}).plan();
        for (const int64_t budget : {int64_t(-1), plan.baseBytes, plan.baseBytes + plan.totalExperts / 2 * plan.slotBytes}) {
            if (budget >= 0 && plan.totalExperts == 0)
                continue;
            BackendOptions options;
            options.vramBudgetBytes = budget;
            CudaEvaluator gpu(*model, int64_t(longIds.size()), pool, options);
            const Logits got = runLong(gpu);
            const double vsCpu = medianRowRel(got, cpu, vocab);
            const bool ok = std::all_of(got.begin(), got.end(), [](float v) { return std::isfinite(v); }) &&
                            vsCpu < 1e-4 && topOneDisagreements(got, cpu, vocab) == 0;
            failures += ok ? 0 : 1;
            log << std::setw(34) << (dir.filename().string() + " 600+8 tokens") << std::setw(9)
                << (budget < 0 ? "all" : budget == plan.baseBytes ? "none" : "half") << std::setw(6) << 1
                << std::setw(13) << std::scientific << std::setprecision(2) << vsCpu << (ok ? "" : "  FAIL") << "\n";
        }
    }
    log << (failures ? std::to_string(failures) + " FAILED" : std::string("all passed")) << "\n";
    return failures;
}

} // namespace enclave::cuda
