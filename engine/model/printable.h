// Text from a file (tensor and key names, template and tokenizer fragments) on its way to a
// terminal, a log or the screen. A hostile file can put escape sequences, NUL bytes or
// invalid UTF-8 in any name; printable() makes them visible instead of letting them act.
#pragma once

#include <string>
#include <string_view>

namespace enclave {

// Control characters (C0, DEL, C1) and bytes that are not valid UTF-8 become \n, \t, \xNN or
// \u{NNNN}; bidirectional overrides become \u{NNNN}; everything else is kept. Past maxBytes
// of input the rest is replaced by "...". Never throws.
std::string printable(std::string_view s, size_t maxBytes = 200);

// A whole message (an exception's what(), a log line) for a terminal, log or screen: like
// printable() but line breaks stay line breaks and nothing is cut.
std::string printableText(std::string_view s);

// printable() between single quotes, for messages: "tensor 'blk.0.attn_q.weight'".
std::string quotedName(std::string_view s, size_t maxBytes = 200);

} // namespace enclave
