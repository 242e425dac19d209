// Every limit of the chat-template language in one place, and the per-render work budget that enforces
// the time limits. Templates come inside downloaded model files, so each limit turns a hostile template
// into a RuntimeError/TemplateError; all are far above what real chat templates with long conversations use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace enclave::jinja {

// Source and parser. At these depths parsing and rendering together fit in 0.5 MiB of stack (the
// tests pass with that; evaluation takes under 1 KiB a level), far inside the 8 MiB of a Linux thread.
constexpr size_t kMaxTemplateBytes = 1u << 20; // real templates are under 50 KiB
constexpr int kMaxParseDepth = 200; // parser recursion: brackets, unary operators, `not`, else-chains
constexpr int kMaxExpressionHeight = 200; // one expression tree: chains of operators, filters, attributes
constexpr int kMaxBlockNesting = 100; // blocks inside blocks (real templates: under 10)

// Rendering: nesting (real templates reach a depth of 12 with a 1000-message conversation).
constexpr int kMaxRenderDepth = 500; // evaluations on the stack: expressions, statements and calls together
constexpr int kMaxCallDepth = 100; // nested macro calls
constexpr int kMaxValueDepth = 200; // lists and dicts inside each other; also how deep printing and
                                    // comparing follow values, which stops namespaces that hold themselves

// Rendering: work. A step is about one evaluated node, some 40 ns, so a spent budget is ~0.2 s; a
// 100k-token conversation takes 1-2.5% of it with every real template (1M tokens: under 25%). Bytes
// and items are charged too, which also bounds what a render can allocate to ~320 MB of each.
constexpr int64_t kMaxSteps = 5'000'000;
constexpr size_t kBytesPerStep = 64; // bytes made, copied, scanned or compared per step
constexpr size_t kItemsPerStep = 2; // list items (32 bytes each) made or copied, entries or scopes scanned
constexpr size_t kStringOverheadBytes = 32; // what making any string value costs beyond its bytes
constexpr int64_t kCallSteps = 8; // a macro or caller() call: its scope, arguments, varargs and kwargs
constexpr int64_t kLoopObjectSteps = 8; // the `loop` object of one iteration
constexpr int64_t kMaxLoopIterations = 1'000'000; // all loop iterations of one render (real: ~2 per message)

// Rendering: sizes (a 100k-token conversation renders to ~0.5 MiB).
constexpr size_t kMaxOutputBytes = 32u << 20; // the rendered text, or a macro's or block's output
constexpr size_t kMaxStringBytes = 32u << 20; // any one string value
constexpr size_t kMaxListItems = 1u << 20; // any one list or dict, and what split() or iterating a string makes
constexpr int64_t kMaxRangeItems = 100'000; // range(), as in Jinja's sandbox
constexpr int kMaxFormatWidth = 4096; // width and precision of one "%10.3f" conversion
// Numbers: integers are 64-bit, and + - * // % **, unary minus, abs and float-to-int conversions fail on
// overflow (Python would grow the integer); widths and counts are bounded by the size limits above.

// What one render used, to compare with the limits above.
struct RenderStats {
    int64_t steps = 0;
    int maxRenderDepth = 0;
    int64_t loopIterations = 0;
};

// The step budget of the render running on this thread. Construct one per render; builtins anywhere
// below charge it through the free functions, which do nothing when no render is running.
class RenderBudget {
public:
    explicit RenderBudget(int64_t maxSteps = kMaxSteps);
    ~RenderBudget(); // makes the budget that was current before it current again
    RenderBudget(const RenderBudget &) = delete;
    RenderBudget &operator=(const RenderBudget &) = delete;

    void charge(int64_t steps)
    {
        m_steps += steps;
        if (m_steps > m_maxSteps)
            exhausted();
    }
    // Bulk work in bytes (kBytesPerStep of them make a step); the remainder carries over.
    void chargeBytes(uint64_t bytes);
    void chargeItems(uint64_t items) { chargeBytes(items * (kBytesPerStep / kItemsPerStep)); }
    int64_t steps() const { return m_steps; }

private:
    [[noreturn]] void exhausted() const;

    int64_t m_steps = 0;
    int64_t m_maxSteps;
    uint64_t m_bytes = 0; // not yet charged, below kBytesPerStep
    RenderBudget *m_previous;
};

// Charge the current render's budget; throw RuntimeError once it is spent.
void chargeSteps(int64_t steps);
void chargeBytes(uint64_t bytes);
void chargeItems(uint64_t items); // as kBytesPerStep / kItemsPerStep bytes each

// Throw RuntimeError when a string of `bytes` or a list of `items` would pass its limit.
void checkStringSize(size_t bytes);
void checkListSize(size_t items);

// out += piece, charged, failing before `out` passes kMaxStringBytes.
void appendText(std::string &out, std::string_view piece);
void appendText(std::string &out, size_t count, char c);

// One level of a recursive walk over values (printing, tojson, comparison); fails past
// kMaxValueDepth, which is also how a namespace that contains itself is caught.
class ValueDepthGuard {
public:
    ValueDepthGuard();
    ~ValueDepthGuard();
    ValueDepthGuard(const ValueDepthGuard &) = delete;
    ValueDepthGuard &operator=(const ValueDepthGuard &) = delete;
};

// Exact conversions that fail with RuntimeError instead of overflowing: double -> int64 (truncating,
// finite and in range only) and int64 -> a width or count for a string of at most kMaxStringBytes.
int64_t checkedToInteger(double value);
size_t checkedWidth(int64_t width);

} // namespace enclave::jinja
