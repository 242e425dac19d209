// GgufReader: a bounds-checked cursor over a mapped GGUF file that decodes strings and metadata values.
// Internal to engine/model (shared by GgufFile and probeGguf). Every read checks the remaining bytes
// first and every count is checked against them before anything is allocated.
#pragma once

#include "engine/model/gguf.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace enclave {

// pos + count * bytesEach, or UINT64_MAX when that overflows: where a run of fields would end.
uint64_t saturatingEnd(uint64_t pos, uint64_t count, uint64_t bytesEach);

class GgufReader {
public:
    explicit GgufReader(const MappedFile &file) : m_file(file) {}

    uint64_t pos() const { return m_pos; }
    uint64_t remaining() const { return m_file.size() - m_pos; }
    // What is being read, for messages: "key 'general.name'", "tensor 3 ('output.weight')".
    void setContext(std::string context) { m_context = std::move(context); }

    uint64_t fileSize() const { return m_file.size(); }
    // Up to `bytes` bytes from the cursor, without moving it.
    std::string_view peek(uint64_t bytes) const
    {
        return {reinterpret_cast<const char *>(m_file.data() + m_pos), std::min(bytes, remaining())};
    }

    // Throws GgufError "<user line>\n<path>: <context>: <what>"; the user line says that the file
    // is damaged unless `userMessage` is given.
    [[noreturn]] void fail(const std::string &what, const std::string &userMessage = {}) const;
    // The file ends before offset `neededEnd`, which the field being read needs: a cut download
    // (or a damaged length field, when no header is that long). Throws GgufError.
    [[noreturn]] void failShort(uint64_t neededEnd, const std::string &what) const;

    template <class T> T read(const char *what)
    {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, m_file.data() + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }
    // A GGUF string (uint64 length + bytes); a view into the map.
    std::string_view readString(const char *what);
    // One metadata value of the given type; depth counts array nesting.
    GgufValue readValue(uint32_t type, int depth);

private:
    void need(uint64_t bytes, const char *what) const;
    GgufArray readArray(int depth);
    GgufArray readStringArray(uint64_t count);

    const MappedFile &m_file;
    uint64_t m_pos = 0;
    std::string m_context;
};

} // namespace enclave
