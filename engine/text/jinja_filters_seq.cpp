// Sequence filters: length, first, last, join, list, items, dictsort, sort, unique, reverse, min, max,
// sum, batch, select/reject, selectattr/rejectattr and map. String comparisons in sort, unique, min,
// max and dictsort ignore case unless case_sensitive=true, as in Jinja.
#include "engine/text/jinja_builtins.h"
#include "engine/text/jinja_filters.h"
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_strings.h"

#include <algorithm>
#include <array>

namespace enclave::jinja {

namespace {

// The items of a filter that does real work on each (a lookup, a test, a conversion): one step apiece.
ValueList itemsCharged(const Value &input)
{
    ValueList items = iterate(input);
    chargeSteps(int64_t(items.size()));
    return items;
}

CallArgs tailArgs(const CallArgs &args, size_t from)
{
    CallArgs out;
    for (size_t i = from; i < args.positional.size(); ++i)
        out.positional.push_back(args.positional[i]);
    out.keyword = args.keyword;
    return out;
}

Value sortKey(const Value &v, bool caseSensitive)
{
    return !caseSensitive && v.isString() ? Value(lower(v.asString())) : v;
}

// Key function of sort/unique/min/max: an attribute path (or several, comma-separated) or the item.
Value keyOf(const Value &item, const Value &attribute, bool caseSensitive)
{
    if (attribute.isUndefined() || attribute.isNone())
        return sortKey(item, caseSensitive);
    if (attribute.isInt())
        return sortKey(getItem(item, attribute), caseSensitive);
    const std::vector<std::string> paths = split(toDisplayString(attribute), ",", -1);
    if (paths.size() == 1)
        return sortKey(lookupPath(item, paths[0]), caseSensitive);
    ValueList keys;
    for (const std::string &p : paths)
        keys.push_back(sortKey(lookupPath(item, strip(p, std::nullopt, true, true)), caseSensitive));
    return Value::list(std::move(keys), true);
}

Value filterLength(const Value &input, const CallArgs &)
{
    switch (input.kind()) {
    case Value::Kind::String: return Value(int64_t(codePointCount(input.asString())));
    case Value::Kind::List: return Value(int64_t(input.asList().size()));
    case Value::Kind::Dict: return Value(int64_t(input.asDict().size()));
    case Value::Kind::Undefined: return Value(0);
    default: throw RuntimeError("object of type '" + input.typeName() + "' has no len()");
    }
}

Value filterFirst(const Value &input, const CallArgs &)
{
    const ValueList items = iterate(input);
    return items.empty() ? Value::undefined("first") : items.front();
}

Value filterLast(const Value &input, const CallArgs &)
{
    const ValueList items = iterate(input);
    return items.empty() ? Value::undefined("last") : items.back();
}

Value filterJoin(const Value &input, const CallArgs &args)
{
    const std::string separator = toDisplayString(args.get(0, "d", Value("")));
    const Value attribute = args.get(1, "attribute");
    std::string out;
    bool first = true;
    for (const Value &item : itemsCharged(input)) {
        appendText(out, first ? "" : separator);
        appendText(out, toDisplayString(attribute.isUndefined() ? item : lookupPath(item, toDisplayString(attribute))));
        first = false;
    }
    return Value(std::move(out));
}

Value filterList(const Value &input, const CallArgs &)
{
    return Value::list(iterate(input));
}

Value filterItems(const Value &input, const CallArgs &)
{
    if (input.isUndefined())
        return Value::list({});
    if (!input.isDict())
        throw RuntimeError("can only get item pairs from a mapping");
    ValueList out;
    for (const auto &[k, v] : input.asDict().items())
        out.push_back(Value::list({k, v}, true));
    return Value::list(std::move(out));
}

ValueList sortedBy(ValueList items, const std::function<Value(const Value &)> &key, bool reverse)
{
    std::vector<std::pair<Value, size_t>> keyed;
    for (size_t i = 0; i < items.size(); ++i)
        keyed.emplace_back(key(items[i]), i);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto &a, const auto &b) {
        return reverse ? valueLess(b.first, a.first) : valueLess(a.first, b.first);
    });
    ValueList out;
    for (const auto &[k, i] : keyed)
        out.push_back(items[i]);
    return out;
}

Value filterDictsort(const Value &input, const CallArgs &args)
{
    const bool caseSensitive = args.get(0, "case_sensitive", Value(false)).truthy();
    const std::string by = toDisplayString(args.get(1, "by", Value("key")));
    const bool reverse = args.get(2, "reverse", Value(false)).truthy();
    if (by != "key" && by != "value")
        throw RuntimeError("You can only sort by either 'key' or 'value'");
    const size_t pos = by == "key" ? 0 : 1;
    ValueList pairs = filterItems(input, {}).asList();
    return Value::list(sortedBy(
        std::move(pairs), [&](const Value &p) { return sortKey(p.asList()[pos], caseSensitive); }, reverse));
}

Value filterSort(const Value &input, const CallArgs &args)
{
    const bool reverse = args.get(0, "reverse", Value(false)).truthy();
    const bool caseSensitive = args.get(1, "case_sensitive", Value(false)).truthy();
    const Value attribute = args.get(2, "attribute");
    return Value::list(sortedBy(
        itemsCharged(input), [&](const Value &v) { return keyOf(v, attribute, caseSensitive); }, reverse));
}

Value filterUnique(const Value &input, const CallArgs &args)
{
    const bool caseSensitive = args.get(0, "case_sensitive", Value(false)).truthy();
    const Value attribute = args.get(1, "attribute");
    ValueList out;
    ValueList seen;
    for (const Value &item : itemsCharged(input)) {
        const Value key = keyOf(item, attribute, caseSensitive);
        if (std::none_of(seen.begin(), seen.end(), [&](const Value &s) { return valuesEqual(s, key); })) {
            seen.push_back(key);
            out.push_back(item);
        }
    }
    return Value::list(std::move(out));
}

Value filterReverse(const Value &input, const CallArgs &)
{
    if (input.isString()) {
        std::vector<char32_t> cps = decodeUtf8(input.asString());
        std::reverse(cps.begin(), cps.end());
        return Value(encodeUtf8(cps, 0, cps.size()));
    }
    ValueList items = iterate(input);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
}

Value extreme(const Value &input, const CallArgs &args, bool wantMax)
{
    const bool caseSensitive = args.get(0, "case_sensitive", Value(false)).truthy();
    const Value attribute = args.get(1, "attribute");
    const ValueList items = itemsCharged(input);
    if (items.empty())
        return Value::undefined(wantMax ? "max" : "min");
    size_t best = 0;
    for (size_t i = 1; i < items.size(); ++i) {
        const Value a = keyOf(items[i], attribute, caseSensitive);
        const Value b = keyOf(items[best], attribute, caseSensitive);
        if (wantMax ? valueLess(b, a) : valueLess(a, b))
            best = i;
    }
    return items[best];
}

Value filterMax(const Value &input, const CallArgs &args)
{
    return extreme(input, args, true);
}

Value filterMin(const Value &input, const CallArgs &args)
{
    return extreme(input, args, false);
}

Value filterSum(const Value &input, const CallArgs &args)
{
    const Value attribute = args.get(0, "attribute");
    Value total = args.get(1, "start", Value(0));
    for (const Value &item : itemsCharged(input)) {
        const Value v =
            attribute.isUndefined() || attribute.isNone() ? item : lookupPath(item, toDisplayString(attribute));
        total = binaryOperation(BinaryOp::Add, total, v);
    }
    return total;
}

Value filterBatch(const Value &input, const CallArgs &args)
{
    const int64_t size = args.get(0, "linecount", Value(1)).asInt();
    if (size <= 0)
        throw RuntimeError("batch size must be positive");
    const Value fill = args.get(1, "fill_with");
    if (!fill.isUndefined() && !fill.isNone())
        checkListSize(uint64_t(size)); // the last batch is filled up to `size`
    ValueList out;
    ValueList current;
    for (const Value &item : iterate(input)) {
        current.push_back(item);
        if (int64_t(current.size()) == size) {
            out.push_back(Value::list(std::move(current)));
            current.clear();
        }
    }
    if (!current.empty()) {
        while (!fill.isUndefined() && !fill.isNone() && int64_t(current.size()) < size)
            current.push_back(fill);
        out.push_back(Value::list(std::move(current)));
    }
    return Value::list(std::move(out));
}

// select/reject/selectattr/rejectattr: keep items whose (attribute's) test result equals `keep`.
Value selectItems(const Value &input, const CallArgs &args, bool byAttribute, bool keep)
{
    const size_t testIndex = byAttribute ? 1 : 0;
    const std::string attribute = byAttribute ? toDisplayString(args.get(0, "attribute")) : std::string();
    const bool hasTest = args.positional.size() > testIndex;
    const std::string test = hasTest ? toDisplayString(args.positional[testIndex]) : std::string();
    const CallArgs testArgs = tailArgs(args, testIndex + 1);
    ValueList out;
    for (const Value &item : itemsCharged(input)) {
        const Value subject = byAttribute ? lookupPath(item, attribute) : item;
        const bool passed = hasTest ? applyTest(test, subject, testArgs) : subject.truthy();
        if (passed == keep)
            out.push_back(item);
    }
    return Value::list(std::move(out));
}

Value filterSelect(const Value &input, const CallArgs &args)
{
    return selectItems(input, args, false, true);
}

Value filterReject(const Value &input, const CallArgs &args)
{
    return selectItems(input, args, false, false);
}

Value filterSelectattr(const Value &input, const CallArgs &args)
{
    return selectItems(input, args, true, true);
}

Value filterRejectattr(const Value &input, const CallArgs &args)
{
    return selectItems(input, args, true, false);
}

Value filterMap(const Value &input, const CallArgs &args)
{
    ValueList out;
    const Value *attribute = args.find(size_t(-1), "attribute");
    if (attribute) {
        const Value *fallback = args.find(size_t(-1), "default");
        for (const Value &item : itemsCharged(input)) {
            Value v = lookupPath(item, toDisplayString(*attribute));
            out.push_back(v.isUndefined() && fallback ? *fallback : v);
        }
        return Value::list(std::move(out));
    }
    if (args.positional.empty())
        throw RuntimeError("map requires a filter argument");
    const std::string filter = toDisplayString(args.positional[0]);
    const CallArgs filterArgs = tailArgs(args, 1);
    for (const Value &item : itemsCharged(input))
        out.push_back(applyFilter(filter, item, filterArgs));
    return Value::list(std::move(out));
}

constexpr std::array kSequenceFilters = {
    FilterEntry{"length", filterLength},
    FilterEntry{"count", filterLength},
    FilterEntry{"first", filterFirst},
    FilterEntry{"last", filterLast},
    FilterEntry{"join", filterJoin},
    FilterEntry{"list", filterList},
    FilterEntry{"items", filterItems},
    FilterEntry{"dictsort", filterDictsort},
    FilterEntry{"sort", filterSort},
    FilterEntry{"unique", filterUnique},
    FilterEntry{"reverse", filterReverse},
    FilterEntry{"max", filterMax},
    FilterEntry{"min", filterMin},
    FilterEntry{"sum", filterSum},
    FilterEntry{"batch", filterBatch},
    FilterEntry{"select", filterSelect},
    FilterEntry{"reject", filterReject},
    FilterEntry{"selectattr", filterSelectattr},
    FilterEntry{"rejectattr", filterRejectattr},
    FilterEntry{"map", filterMap},
};

} // namespace

std::span<const FilterEntry> sequenceFilters()
{
    return kSequenceFilters;
}

} // namespace enclave::jinja
