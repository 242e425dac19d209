// Comparing logits with the reference pack's, shared by the conformance tests (Qt and Qt-free):
// raw float32 files, relative L2 error, and the median over rows of per-row relative errors.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace enclave::test {

// A raw little-endian float32 file; empty when it cannot be read.
inline std::vector<float> readF32(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    std::vector<float> out(bytes.size() / sizeof(float));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
    return out;
}

// ‖a − b‖ / ‖b‖ (‖a − b‖ when b is zero).
inline double relL2(const float *a, const float *b, int64_t n)
{
    double diff = 0.0, ref = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        ref += double(b[i]) * b[i];
    }
    return ref > 0 ? std::sqrt(diff / ref) : std::sqrt(diff);
}

// The median of relL2 over the rows of `vocab` values (0 when there are none).
inline double medianRowRel(const std::vector<float> &a, const std::vector<float> &b, int64_t vocab)
{
    std::vector<double> rows;
    for (size_t r = 0; r < std::min(a.size(), b.size()) / size_t(vocab); ++r)
        rows.push_back(relL2(a.data() + r * vocab, b.data() + r * vocab, vocab));
    if (rows.empty())
        return 0.0;
    std::sort(rows.begin(), rows.end());
    return (rows[rows.size() / 2] + rows[(rows.size() - 1) / 2]) / 2.0;
}

} // namespace enclave::test
