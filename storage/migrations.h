// The schema's history: migration N brings a database from user_version N-1 to N.
// Never edit a released migration; append a new one.
#pragma once

#include <span>

namespace enclave::storage {

struct Migration {
    int version;
    const char *sql;
};

std::span<const Migration> migrations();

} // namespace enclave::storage
