// Global functions of the render environment: Jinja's range, dict, namespace and joiner, plus the two
// that Hugging Face adds, raise_exception(message) and strftime_now(format).
#include "engine/text/jinja_interpreter.h"
#include "engine/text/jinja_limits.h"

#include <chrono>
#include <iomanip>
#include <locale>
#include <sstream>

namespace enclave::jinja {

namespace {

// strftime() writes at most this many bytes per conversion of two or more format characters.
constexpr size_t kMaxTimeExpansion = 64;

int64_t intArgument(const Value &v, std::string_view function)
{
    if (!v.isInt() && !v.isBool())
        throw RuntimeError(std::string(function) + "(): '" + v.typeName() +
                           "' object cannot be interpreted as an integer");
    return v.asInt();
}

Value range(CallArgs &args)
{
    args.check("range", 3, {});
    if (args.positional.empty())
        throw RuntimeError("range expected at least 1 argument, got 0");
    int64_t start = 0;
    int64_t stop = 0;
    int64_t step = 1;
    if (args.positional.size() == 1) {
        stop = intArgument(args.positional[0], "range");
    } else {
        start = intArgument(args.positional[0], "range");
        stop = intArgument(args.positional[1], "range");
        if (args.positional.size() == 3)
            step = intArgument(args.positional[2], "range");
    }
    if (step == 0)
        throw RuntimeError("range() arg 3 must not be zero");
    // Python's len(range(...)), in unsigned arithmetic, which cannot overflow here.
    uint64_t length = 0;
    if (step > 0 && start < stop)
        length = (uint64_t(stop) - uint64_t(start) - 1) / uint64_t(step) + 1;
    else if (step < 0 && start > stop)
        length = (uint64_t(start) - uint64_t(stop) - 1) / (0 - uint64_t(step)) + 1;
    if (length > uint64_t(kMaxRangeItems))
        throw RuntimeError("range too big, the sandbox allows at most " + std::to_string(kMaxRangeItems) + " items");
    ValueList out;
    out.reserve(size_t(length));
    for (uint64_t i = 0; i < length; ++i)
        out.emplace_back(int64_t(uint64_t(start) + i * uint64_t(step))); // every item lies between start and stop
    return Value::list(std::move(out));
}

// dict(mapping or pairs, **kwargs) and namespace(mapping, **kwargs) share their argument handling.
ValueDict mappingFromArguments(const CallArgs &args, std::string_view function)
{
    ValueDict out;
    if (args.positional.size() > 1)
        throw RuntimeError(std::string(function) + " expected at most 1 positional argument");
    if (!args.positional.empty()) {
        const Value &source = args.positional[0];
        if (source.isDict() || source.isNamespace()) {
            for (const auto &[k, v] : source.asDict().items())
                out.set(k, v);
        } else {
            for (const Value &pair : iterate(source)) {
                if (!pair.isList() || pair.asList().size() != 2)
                    throw RuntimeError(std::string(function) + ": sequence elements must be pairs");
                out.set(pair.asList()[0], pair.asList()[1]);
            }
        }
    }
    for (const auto &[k, v] : args.keyword)
        out.set(Value(k), v);
    return out;
}

std::tm currentLocalTime()
{
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm local{};
#ifdef _WIN32
    localtime_s(&local, &now);
#else
    localtime_r(&now, &local);
#endif
    return local;
}

} // namespace

void installGlobals(Scope &scope, const RenderSettings &settings, std::vector<Value> &namespaces)
{
    scope.set("range", Value::callable("range", range));
    scope.set("dict",
              Value::callable("dict", [](CallArgs &args) { return Value::dict(mappingFromArguments(args, "dict")); }));
    scope.set("namespace", Value::callable("namespace", [&namespaces](CallArgs &args) {
                  Value ns = Value::makeNamespace(mappingFromArguments(args, "namespace"));
                  namespaces.push_back(ns);
                  return ns;
              }));
    scope.set("raise_exception", Value::callable("raise_exception", [](CallArgs &args) -> Value {
                  throw RuntimeError(toDisplayString(args.get(0, "message")), true);
              }));
    const std::optional<std::tm> fixed = settings.localTime;
    scope.set("strftime_now", Value::callable("strftime_now", [fixed](CallArgs &args) {
                  const Value format = args.get(0, "format");
                  if (!format.isString())
                      throw RuntimeError("strftime_now() expects a format string");
                  checkStringSize(format.asString().size() * kMaxTimeExpansion);
                  const std::tm local = fixed ? *fixed : currentLocalTime();
                  std::ostringstream text;
                  text.imbue(std::locale::classic()); // English names whatever the process locale, as in Python
                  text << std::put_time(&local, format.asString().c_str());
                  return Value(text.str());
              }));
    scope.set("joiner", Value::callable("joiner", [](CallArgs &args) {
                  const std::string separator = toDisplayString(args.get(0, "sep", Value(", ")));
                  auto used = std::make_shared<bool>(false);
                  return Value::callable("joiner", [separator, used](CallArgs &) {
                      const bool first = !*used;
                      *used = true;
                      return Value(first ? std::string() : separator);
                  });
              }));
}

} // namespace enclave::jinja
