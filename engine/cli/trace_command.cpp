// enclave-cli trace: routing traces for comparing expert cache policies.
//   trace generate  a synthetic trace calibrated to published routing statistics
//   trace stats     locality and popularity figures of a trace
//   trace simulate  hit rates of the cache policies on a trace, against static splits
#include "engine/arch/architectures.h"
#include "engine/cli/commands.h"
#include "engine/model/printable.h"
#include "engine/moe/cache_simulator.h"
#include "engine/moe/trace_generator.h"
#include "engine/moe/trace_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace enclave::cli {

namespace {

using namespace enclave::moe;

const char *const kTraceUsage =
    "usage: enclave-cli trace generate (--layers 48 --experts 128 --k 8 | --model PATH) --tokens N [--seed S] -o FILE\n"
    "       enclave-cli trace stats FILE\n"
    "       enclave-cli trace simulate FILE [--fraction 0.4[,0.6...] | --slots N] [--delay 0[,1...]]\n"
    "                                       [--policy all|lru|lfu-decay|slru|tinylfu|adaptive|static|static-layers]\n"
    "                                       [--cap N] [--warm]\n"
    "options:\n"
    "  generate: a synthetic routing trace calibrated to published routing statistics, of the\n"
    "            given shape or of a model's (-o / --out FILE: where it goes)\n"
    "  stats:    locality and popularity figures of a trace\n"
    "  simulate: hit rates of the GPU expert cache policies on a trace, against static splits;\n"
    "            --fraction of all experts resident (or --slots N), --delay tokens before a copy\n"
    "            lands, --cap copies per token at most, --warm: dynamic policies start from the\n"
    "            trace's counts\n"
    "traces come from enclave-cli run/bench --record-trace FILE or from trace generate\n";

int32_t boundedInt(const Args &a, const std::string &name, int64_t fallback, int64_t lo, int64_t hi)
{
    const int64_t v = a.integer(name, fallback);
    if (v < lo || v > hi)
        throw std::runtime_error("--" + name + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return int32_t(v);
}

// "0.1,0.25" → numbers; each must parse completely.
std::vector<double> numberList(const std::string &name, const std::string &text)
{
    std::vector<double> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        size_t used = 0;
        double v = 0;
        try {
            v = std::stod(item, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        if (used == 0 || used != item.size())
            throw std::runtime_error("--" + name + ": '" + item + "' is not a number");
        out.push_back(v);
    }
    if (out.empty())
        throw std::runtime_error("--" + name + " is empty");
    return out;
}

int runTraceGenerate(const Args &a)
{
    TraceGeneratorParams p;
    if (a.has("model")) {
        const ModelConfig config = readModelConfig(ModelFiles(a.value("model")));
        if (config.moe.nExpert <= 0)
            throw std::runtime_error(a.value("model") + " is not a mixture-of-experts model");
        p.nLayer = int32_t(config.nLayer);
        p.nExpert = int32_t(config.moe.nExpert);
        p.k = int32_t(config.moe.nExpertUsed);
        for (int32_t l = 0; l < p.nLayer; ++l)
            if (config.isMoeLayer(l))
                p.moeLayers.push_back(l);
    } else {
        p.nLayer = boundedInt(a, "layers", p.nLayer, 1, 65536);
        p.nExpert = boundedInt(a, "experts", p.nExpert, 1, 65536);
        p.k = boundedInt(a, "k", p.k, 1, std::min(p.nExpert, 256));
    }
    p.tokens = a.positiveInt("tokens", p.tokens);
    p.seed = uint64_t(a.integer("seed", int64_t(p.seed)));
    const std::string out = a.has("o") ? a.value("o") : a.value("out");
    const TraceMixture mix = calibrateMixture(p);
    const RoutingTrace trace = generateTrace(p, mix);
    trace.write(out);
    const TraceStats s = computeTraceStats(trace);
    std::fprintf(stderr,
                 "wrote %s: %lld tokens, %d MoE layers of %d, %d experts, k %d\n"
                 "  mixture: next %.3f, window %.3f, popularity length %.2f ranks\n"
                 "  measured: repeat at next %.3f, within 8 %.3f, 90%% of picks on %.3f of the experts\n",
                 out.c_str(), static_cast<long long>(trace.tokens()), trace.nMoeLayer(), trace.nLayer(),
                 trace.nExpert(), trace.k(), mix.pNext, mix.pRecent, mix.tau, s.repeatAtNext, s.repeatWithin8,
                 s.massFraction);
    const TraceTargets &want = p.targets;
    if (std::abs(s.repeatAtNext - want.repeatAtNext) > 0.05 || std::abs(s.repeatWithin8 - want.repeatWithin8) > 0.05 ||
        std::abs(s.massFraction - want.massFraction) > 0.05)
        std::fprintf(stderr, "  note: %d experts with k %d cannot meet the targets (%.2f, %.2f, %.2f) together\n",
                     trace.nExpert(), trace.k(), want.repeatAtNext, want.repeatWithin8, want.massFraction);
    return 0;
}

int runStats(const std::string &path)
{
    const RoutingTrace trace = RoutingTrace::read(path);
    const TraceStats s = computeTraceStats(trace);
    std::printf("trace %s\n", path.c_str());
    std::printf("  shape: %d layers (%d MoE), %d experts, k %d, %lld tokens\n", trace.nLayer(), trace.nMoeLayer(),
                trace.nExpert(), trace.k(), static_cast<long long>(s.tokens));
    std::printf("  repeat at next token:   %.3f\n", s.repeatAtNext);
    std::printf("  repeat within 8 tokens: %.3f\n", s.repeatWithin8);
    std::printf("  experts for 90%% of picks: %.3f (mean over layers)\n", s.massFraction);
    std::printf("  layer  experts-for-90%%  busiest/mean\n");
    for (int32_t l = 0; l < trace.nMoeLayer(); ++l)
        std::printf("  %5d  %15.3f  %12.2f\n", trace.moeLayers()[size_t(l)], s.layerMassFraction[size_t(l)],
                    s.layerImbalance[size_t(l)]);
    return 0;
}

std::vector<CachePolicy> policiesFrom(const std::string &text)
{
    if (text == "all")
        return allCachePolicies();
    std::vector<CachePolicy> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        const auto policy = cachePolicyFromName(item);
        if (!policy)
            throw std::runtime_error("unknown --policy '" + item + "'");
        out.push_back(*policy);
    }
    return out;
}

int runSimulate(const std::string &path, const Args &a)
{
    const RoutingTrace trace = RoutingTrace::read(path);
    const std::vector<CachePolicy> policies = policiesFrom(a.valueOr("policy", "all"));
    std::vector<int32_t> slotCounts;
    if (a.has("slots")) {
        slotCounts.push_back(boundedInt(a, "slots", 0, 0, int64_t(trace.nMoeLayer()) * trace.nExpert()));
    } else {
        for (const double f : numberList("fraction", a.valueOr("fraction", "0.4"))) {
            if (!(f >= 0 && f <= 1))
                throw std::runtime_error("--fraction must lie between 0 and 1");
            slotCounts.push_back(slotsForFraction(trace, f));
        }
    }
    std::vector<int32_t> delays;
    for (const double d : numberList("delay", a.valueOr("delay", "0")))
        if (d < 0 || d > 1000 || d != double(int32_t(d)))
            throw std::runtime_error("--delay must be whole tokens between 0 and 1000");
        else
            delays.push_back(int32_t(d));
    const int32_t cap = boundedInt(a, "cap", 0, 0, INT32_MAX);
    const ExpertUsage profile = traceUsage(trace);
    const double all = double(trace.nMoeLayer()) * trace.nExpert();
    std::printf("trace %s: %lld tokens, %d MoE layers x %d experts, k %d; admission cap %s per token\n",
                path.c_str(), static_cast<long long>(trace.tokens()), trace.nMoeLayer(), trace.nExpert(), trace.k(),
                cap ? std::to_string(cap).c_str() : "none");
    std::printf("static policies use the whole trace's counts (the best static split); dynamic ones start %s\n",
                a.has("warm") ? "warm from the same counts" : "empty");
    std::printf("%-14s %9s %7s %5s %8s %12s\n", "policy", "residency", "slots", "delay", "hit rate", "copies/token");
    for (const int32_t slots : slotCounts) {
        for (const int32_t delay : delays) {
            for (const CachePolicy policy : policies) {
                SimulationOptions o;
                o.policy = policy;
                o.slotCount = slots;
                o.delay = delay;
                o.cache.copyDelay = delay;
                if (cap > 0)
                    o.maxAdmissionsPerToken = cap;
                if (isStatic(policy) || a.has("warm"))
                    o.profile = &profile;
                const SimulationResult r = simulateCache(trace, o);
                std::printf("%-14s %8.1f%% %7d %5d %8.3f %12.2f%s\n", cachePolicyName(policy), 100.0 * slots / all,
                            slots, delay, r.hitRate(), trace.tokens() ? double(r.copies) / double(trace.tokens()) : 0.0,
                            policy == kDefaultCachePolicy ? "  (default)" : "");
            }
        }
    }
    return 0;
}

} // namespace

const std::string &traceUsage()
{
    static const std::string usage = kTraceUsage;
    return usage;
}

int runTraceCommand(int argc, char **argv)
{
    const std::string sub = argc > 2 ? argv[2] : "";
    const std::string label = "trace " + sub;
    const bool known = sub == "generate" || sub == "stats" || sub == "simulate";
    if (sub == "help" || (!known && asksForHelp(argc, argv, 2))) {
        std::fputs(kTraceUsage, stdout);
        return 0;
    }
    if (sub == "generate") {
        const OptionSpec spec{{"layers", "experts", "k", "model", "tokens", "seed", "o", "out"}, {}, {}, 0};
        return runCommand(label, kTraceUsage, argc, argv, 3, spec, runTraceGenerate);
    }
    if (sub == "stats" || sub == "simulate") {
        const OptionSpec stats{{}, {}, {}, 1};
        const OptionSpec simulate{{"fraction", "slots", "delay", "policy", "cap"}, {"warm"}, {}, 1};
        return runCommand(label, kTraceUsage, argc, argv, 3, sub == "stats" ? stats : simulate, [&](const Args &a) {
            if (a.positional.empty())
                throw UsageError("which trace FILE?");
            return sub == "stats" ? runStats(a.positional[0]) : runSimulate(a.positional[0], a);
        });
    }
    if (sub.empty())
        std::fprintf(stderr, "enclave-cli trace: generate, stats or simulate?\n%s", kTraceUsage);
    else
        std::fprintf(stderr, "enclave-cli trace: unknown command %s\n%s", quotedName(sub).c_str(), kTraceUsage);
    return 2;
}

} // namespace enclave::cli
