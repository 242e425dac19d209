// enclave-cli flag parsing and small file helpers.
#include "engine/cli/args.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace enclave::cli {

bool Args::has(const std::string &name) const
{
    return values.count(name) || std::find(switches.begin(), switches.end(), name) != switches.end();
}

std::string Args::value(const std::string &name) const
{
    const auto it = values.find(name);
    if (it == values.end())
        throw std::runtime_error("missing --" + name);
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
        throw std::runtime_error("--" + name + " must be an integer, not '" + text + "'");
    return v;
}

int64_t Args::positiveInt(const std::string &name, int64_t fallback) const
{
    const int64_t v = integer(name, fallback);
    if (v <= 0)
        throw std::runtime_error("--" + name + " must be a positive integer");
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
        throw std::runtime_error("--" + name + " must be a number, not '" + text + "'");
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

Args parseArgs(int argc, char **argv, int first, const std::vector<std::string> &switchNames, size_t maxPositional)
{
    Args args;
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 && !(a.size() == 2 && a[0] == '-') && args.positional.size() < maxPositional) {
            args.positional.push_back(a);
            continue;
        }
        if (a.rfind("--", 0) != 0 && !(a.size() == 2 && a[0] == '-'))
            throw std::runtime_error("unexpected argument '" + a + "'");
        a = a.substr(a[1] == '-' ? 2 : 1);
        if (std::find(switchNames.begin(), switchNames.end(), a) != switchNames.end()) {
            args.switches.push_back(a);
            continue;
        }
        if (i + 1 >= argc)
            throw std::runtime_error("--" + a + " needs a value");
        args.values[a] = argv[++i];
    }
    return args;
}

std::vector<int32_t> parseTokenList(const std::string &text)
{
    std::vector<int32_t> ids;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
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

} // namespace enclave::cli
