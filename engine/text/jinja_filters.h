// Internal to the filter library: the two filter tables (text/number filters and sequence filters)
// and the attribute-path getter that map, sort, selectattr and friends share.
#pragma once

#include "engine/text/jinja_value.h"

#include <span>
#include <string>
#include <string_view>

namespace enclave::jinja {

using FilterFunction = Value (*)(const Value &input, const CallArgs &args);

struct FilterEntry {
    std::string_view name;
    FilterFunction function;
};

std::span<const FilterEntry> scalarFilters();
std::span<const FilterEntry> sequenceFilters();

// Follows "a.b.0" through items and attributes, as Jinja's attribute getters do.
Value lookupPath(const Value &object, const std::string &path);

} // namespace enclave::jinja
