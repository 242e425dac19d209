// checkJsonDepth: one pass over the text, counting brackets outside strings.
#include "engine/model/json_limits.h"

#include <stdexcept>
#include <string>

namespace enclave {

void checkJsonDepth(std::string_view text, int maxDepth)
{
    int depth = 0;
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (inString) {
            if (ch == '\\')
                ++i; // the escaped character cannot close the string
            else if (ch == '"')
                inString = false;
            continue;
        }
        if (ch == '"') {
            inString = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > maxDepth)
                throw std::runtime_error("JSON nested deeper than " + std::to_string(maxDepth) + " levels (at byte " +
                                         std::to_string(i) + ")");
        } else if (ch == '}' || ch == ']') {
            if (depth > 0)
                --depth;
        }
    }
}

} // namespace enclave
