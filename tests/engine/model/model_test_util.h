// Helpers shared by the model-file tests: whole-file I/O, byte patching and "which error was thrown".
// Header-only so that each tst_*.cpp stays one self-contained executable.
#pragma once

#include "engine/model/format_bytes.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>

#include <cstring>
#include <exception>
#include <string>

namespace enclave::testutil {

inline QString refpackDir() { return QStringLiteral(ENCLAVE_REFPACK_DIR); }

inline QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

// Marks an exception that is not a std::runtime_error in errorOf()'s result.
inline constexpr const char *kWrongException = "[not a std::runtime_error]";

// Runs f; returns the message of the std::exception it threw, or "" when it returned normally.
// Any other exception type is reported with kWrongException (loaders must throw std::runtime_error).
template <class F> std::string errorOf(F &&f)
{
    try {
        f();
    } catch (const std::runtime_error &e) {
        return std::string(e.what()).empty() ? "(empty message)" : e.what();
    } catch (const std::exception &e) {
        return std::string(kWrongException) + " " + e.what();
    } catch (...) {
        return std::string(kWrongException) + " non-std exception";
    }
    return "";
}

// Overwrites bytes at pos with the raw bytes of v.
template <class T> void patch(QByteArray &bytes, qsizetype pos, T v)
{
    std::memcpy(bytes.data() + pos, &v, sizeof v);
}

// The offset just after the first occurrence of needle (e.g. a key name), or -1.
inline qsizetype afterString(const QByteArray &bytes, const char *needle)
{
    const qsizetype at = bytes.indexOf(needle);
    return at < 0 ? -1 : at + qsizetype(std::strlen(needle));
}

inline bool contains(const std::string &haystack, const std::string &needle)
{
    return haystack.find(needle) != std::string::npos;
}

// The first line of an error: what the user reads (see ModelFileError).
inline std::string firstLine(const std::string &error) { return error.substr(0, error.find('\n')); }

// The first line for a file cut inside its header, written out here rather than taken from the engine.
inline std::string cutInHeaderLine(uint64_t size)
{
    return "The file is incomplete (it ends after " + enclave::formatBytes(size) +
           ", inside its header); the download may have stopped.";
}

// The first line for a file of `size` bytes whose header places data up to `expected` bytes.
inline std::string cutInDataLine(uint64_t size, uint64_t expected)
{
    return "The file is incomplete (" + enclave::formatBytes(size) + " of " + enclave::formatBytes(expected) +
           "); the download may have stopped.";
}

} // namespace enclave::testutil
