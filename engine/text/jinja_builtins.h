// The built-in library of the template language: filters, tests, attribute/item access with the
// Python str/dict/list methods templates call, slicing, and the operators. All throw RuntimeError for
// what Jinja (or Python underneath it) rejects, or past a limit of jinja_limits.h; none of them keeps
// state beyond charging the render budget.
#pragma once

#include "engine/text/jinja_ast.h"
#include "engine/text/jinja_value.h"

#include <string_view>

namespace enclave::jinja {

// Filters: trim, upper, lower, capitalize, title, length/count, first, last, join, replace, default/d,
// list, string, int, float, tojson, items, dictsort, select/reject, selectattr/rejectattr, map, unique,
// reverse, sort, abs, round, safe, escape/e, indent, center, wordcount, min, max, sum, attr, batch...
bool hasFilter(std::string_view name);
Value applyFilter(std::string_view name, const Value &input, const CallArgs &args);

// Tests: defined, undefined, none, boolean, true, false, integer, float, number, string, mapping,
// iterable, sequence, callable, even, odd, divisibleby, eq/equalto/==, ne, lt, le, gt, ge, in, sameas...
bool hasTest(std::string_view name);
bool applyTest(std::string_view name, const Value &input, const CallArgs &args);

// object.name: dict keys (except dict method names, which give the method, as in Jinja), namespace
// attributes, and the methods of str, dict and list. Missing -> undefined. Without `itemsToo` dict
// keys are not attributes (the attr filter).
Value getAttribute(const Value &object, const std::string &name, bool itemsToo = true);
// object[key]: dict keys, list/str indices (negative from the end), else attributes. Missing -> undefined.
Value getItem(const Value &object, const Value &key);
// object[start:stop:step] with Python semantics over lists and code points of strings.
Value sliceValue(const Value &object, const Value &start, const Value &stop, const Value &step);

Value binaryOperation(BinaryOp op, const Value &left, const Value &right); // not And/Or
Value unaryOperation(char op, const Value &operand);
bool compareOperation(CompareOp op, const Value &left, const Value &right);

// Python's "%s %d" % args, for the `%` operator on strings and the `format` filter.
std::string percentFormat(const std::string &format, const Value &args);

// Throws the "'name' is undefined" error of Jinja when `value` is undefined.
void requireDefined(const Value &value);

} // namespace enclave::jinja
