// The render budget lives in a thread-local pointer so that the value library, the string functions
// and the filters can charge it without threading a context through every call; concurrent renders on
// different threads each see their own.
#include "engine/text/jinja_limits.h"

#include "engine/text/jinja_value.h"

#include <algorithm>
#include <cmath>

namespace enclave::jinja {

namespace {

static_assert(kBytesPerStep % kItemsPerStep == 0);

thread_local RenderBudget *t_budget = nullptr;
thread_local int t_valueDepth = 0;

} // namespace

RenderBudget::RenderBudget(int64_t maxSteps) : m_maxSteps(maxSteps), m_previous(t_budget)
{
    t_budget = this;
}

RenderBudget::~RenderBudget()
{
    t_budget = m_previous;
}

void RenderBudget::chargeBytes(uint64_t bytes)
{
    m_bytes += bytes;
    if (m_bytes >= kBytesPerStep) {
        const uint64_t steps = m_bytes / kBytesPerStep;
        m_bytes %= kBytesPerStep;
        charge(int64_t(std::min<uint64_t>(steps, uint64_t(INT32_MAX))));
    }
}

void RenderBudget::exhausted() const
{
    throw RuntimeError("the template did too much work (more than " + std::to_string(m_maxSteps) +
                       " steps): an endless or exponential loop or recursion?");
}

void chargeSteps(int64_t steps)
{
    if (t_budget)
        t_budget->charge(steps);
}

void chargeBytes(uint64_t bytes)
{
    if (t_budget)
        t_budget->chargeBytes(bytes);
}

void chargeItems(uint64_t items)
{
    if (t_budget)
        t_budget->chargeItems(items);
}

void checkStringSize(size_t bytes)
{
    if (bytes > kMaxStringBytes)
        throw RuntimeError("string too large (more than " + std::to_string(kMaxStringBytes) + " bytes)");
}

void checkListSize(size_t items)
{
    if (items > kMaxListItems)
        throw RuntimeError("list too large (more than " + std::to_string(kMaxListItems) + " items)");
}

void appendText(std::string &out, std::string_view piece)
{
    checkStringSize(out.size() + piece.size());
    chargeBytes(piece.size());
    out.append(piece);
}

void appendText(std::string &out, size_t count, char c)
{
    checkStringSize(count); // first alone, so that the sum below cannot wrap
    checkStringSize(out.size() + count);
    chargeBytes(count);
    out.append(count, c);
}

ValueDepthGuard::ValueDepthGuard()
{
    if (t_valueDepth >= kMaxValueDepth)
        throw RuntimeError("value nested too deeply (more than " + std::to_string(kMaxValueDepth) +
                           " levels), or it contains itself");
    ++t_valueDepth;
}

ValueDepthGuard::~ValueDepthGuard()
{
    --t_valueDepth;
}

int64_t checkedToInteger(double value)
{
    // 2^63 is exactly representable; every double below it in magnitude converts exactly after trunc.
    constexpr double kLimit = 9223372036854775808.0;
    const double t = std::trunc(value);
    if (!std::isfinite(t) || t >= kLimit || t < -kLimit)
        throw RuntimeError("cannot convert float " + formatFloat(value) + " to a 64-bit integer");
    return int64_t(t);
}

size_t checkedWidth(int64_t width)
{
    if (width <= 0)
        return 0;
    checkStringSize(uint64_t(width));
    return size_t(width);
}

} // namespace enclave::jinja
