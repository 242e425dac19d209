// enclave-cli flag parsing and small file helpers.
#include "engine/cli/args.h"
#include "engine/model/printable.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace enclave::cli {

namespace {

bool contains(const std::vector<std::string> &list, const std::string &name)
{
    return std::find(list.begin(), list.end(), name) != list.end();
}

// How the user writes an option: -p, --model.
std::string dashed(const std::string &name) { return (name.size() == 1 ? "-" : "--") + name; }

// "--name" or "-x" → "name" / "x"; "" for a bare argument ("-", "text").
std::string optionName(const std::string &arg)
{
    if (arg.size() > 2 && arg.rfind("--", 0) == 0)
        return arg.substr(2);
    if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-')
        return arg.substr(1);
    return {};
}

// Levenshtein distance, for suggesting the option a typo meant.
size_t editDistance(const std::string &a, const std::string &b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            diagonal = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
        }
    }
    return row[b.size()];
}

std::string unknownOption(const std::string &arg, const std::string &name, const OptionSpec &spec)
{
    std::string message = "unknown option " + printable(arg, 100);
    std::string best;
    size_t bestDistance = 3; // suggest only close matches
    for (const auto *list : {&spec.values, &spec.switches}) {
        for (const std::string &known : *list) {
            const size_t d = editDistance(name, known);
            if (d < bestDistance && known.size() > 1)
                best = known, bestDistance = d;
        }
    }
    return best.empty() ? message : message + " (did you mean --" + best + "?)";
}

// Whether the next argument is an option of this command rather than a value for the last one.
bool isKnownOption(const std::string &arg, const OptionSpec &spec)
{
    std::string name = optionName(arg);
    name = name.substr(0, name.find('='));
    return !name.empty() &&
           (name == "help" || name == "h" || contains(spec.values, name) || contains(spec.switches, name));
}

} // namespace

bool Args::has(const std::string &name) const
{
    return values.count(name) || std::find(switches.begin(), switches.end(), name) != switches.end();
}

std::string Args::value(const std::string &name) const
{
    const auto it = values.find(name);
    if (it == values.end())
        throw UsageError("missing " + dashed(name));
    return it->second;
}

std::string Args::valueOr(const std::string &name, const std::string &fallback) const
{
    const auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
}

int64_t Args::integer(const std::string &name, int64_t fallback) const
{
    if (!values.count(name))
        return fallback;
    const std::string text = value(name);
    size_t used = 0;
    long long v = 0;
    try {
        v = std::stoll(text, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used == 0 || used != text.size())
        throw std::runtime_error(dashed(name) + " must be an integer, not '" + text + "'");
    return v;
}

int64_t Args::positiveInt(const std::string &name, int64_t fallback) const
{
    const int64_t v = integer(name, fallback);
    if (v <= 0)
        throw std::runtime_error(dashed(name) + " must be a positive integer");
    return v;
}

double Args::number(const std::string &name, double fallback) const
{
    if (!values.count(name))
        return fallback;
    const std::string text = value(name);
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used == 0 || used != text.size())
        throw std::runtime_error(dashed(name) + " must be a number, not '" + text + "'");
    return v;
}

MatmulPrecision precisionFrom(const Args &args)
{
    const std::string p = args.valueOr("precision", "exact");
    if (p == "exact")
        return MatmulPrecision::Exact;
    if (p == "fast")
        return MatmulPrecision::Fast;
    throw std::runtime_error("--precision must be exact or fast, not '" + p + "'");
}

BackendOptions backendOptionsFrom(const Args &args)
{
    BackendOptions o;
    o.backend = args.valueOr("backend", "cpu");
    if (args.has("vram-budget"))
        o.vramBudgetBytes = args.integer("vram-budget", 0) * (int64_t(1) << 20);
    if (o.vramBudgetBytes < -1)
        throw std::runtime_error("--vram-budget must be a size in MiB (0 or more)");
    o.device = int(args.integer("gpu", 0));
    o.usageProfilePath = args.valueOr("profile", "");
    o.expertCachePolicy = args.valueOr("cache-policy", "");
    o.precision = precisionFrom(args);
    return o;
}

bool asksForHelp(int argc, char **argv, int first)
{
    for (int i = first; i < argc && std::strcmp(argv[i], "--") != 0; ++i)
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

Args parseArgs(int argc, char **argv, int first, const OptionSpec &spec)
{
    Args args;
    args.help = asksForHelp(argc, argv, first);
    if (args.help)
        return args;
    bool optionsEnded = false;
    for (int i = first; i < argc; ++i) {
        const std::string arg = argv[i];
        if (!optionsEnded && arg == "--") {
            optionsEnded = true;
            continue;
        }
        std::string name = optionsEnded ? std::string() : optionName(arg);
        if (name.empty()) {
            if (args.positional.size() >= spec.maxPositional)
                throw UsageError("unexpected argument " + quotedName(arg, 100));
            args.positional.push_back(arg);
            continue;
        }
        const size_t equals = name.find('=');
        const bool inlineValue = equals != std::string::npos && arg.rfind("--", 0) == 0;
        const std::string value = inlineValue ? name.substr(equals + 1) : std::string();
        if (inlineValue)
            name.resize(equals);
        if (contains(spec.switches, name)) {
            if (inlineValue)
                throw UsageError(dashed(name) + " takes no value");
            args.switches.push_back(name);
        } else if (!contains(spec.values, name)) {
            throw UsageError(unknownOption(inlineValue ? arg.substr(0, arg.find('=')) : arg, name, spec));
        } else if (inlineValue) {
            args.values[name] = value;
        } else {
            if (i + 1 >= argc || isKnownOption(argv[i + 1], spec))
                throw UsageError(dashed(name) + " needs a value");
            args.values[name] = argv[++i];
        }
    }
    for (const std::string &name : spec.required)
        if (!args.values.count(name))
            throw UsageError("missing " + dashed(name));
    return args;
}

std::vector<int32_t> parseTokenList(const std::string &text)
{
    std::vector<int32_t> ids;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t\r\n"));
        item.erase(item.find_last_not_of(" \t\r\n") + 1);
        size_t used = 0;
        long long value = -1;
        try {
            value = std::stoll(item, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        if (used == 0 || used != item.size() || value < 0 || value > INT32_MAX)
            throw std::runtime_error("'" + item + "' is not a token id");
        ids.push_back(int32_t(value));
    }
    if (ids.empty())
        throw std::runtime_error("no token ids given");
    return ids;
}

void writeFile(const std::string &path, const void *data, size_t bytes)
{
    std::FILE *f = std::fopen(path.c_str(), "wb");
    if (!f)
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    const size_t written = std::fwrite(data, 1, bytes, f);
    const int writeErrno = errno;
    const bool closed = std::fclose(f) == 0;
    if (written != bytes || !closed)
        throw std::runtime_error("writing " + path + " failed: " + std::strerror(writeErrno ? writeErrno : errno));
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string readStdin()
{
    std::string text;
    char buffer[65536];
    size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, stdin)) > 0)
        text.append(buffer, got);
    if (std::ferror(stdin))
        throw std::runtime_error(std::string("cannot read standard input: ") + std::strerror(errno));
    return text;
}

std::string valueOrStdin(const Args &args, const std::string &name)
{
    const std::string v = args.value(name);
    return v == "-" ? readStdin() : v;
}

} // namespace enclave::cli
