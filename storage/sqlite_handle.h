// Thin RAII wrappers over the SQLite C API: a connection, a prepared statement, and a
// transaction guard. Every failure becomes a StorageError that carries SQLite's message.
#pragma once

#include <QByteArray>
#include <QString>
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace enclave::storage {

class StorageError : public std::runtime_error {
public:
    StorageError(const std::string &what, int code) : std::runtime_error(what), m_code(code) {}
    int code() const { return m_code; } // SQLite primary result code, or SQLITE_ERROR
private:
    int m_code;
};

class Statement {
public:
    Statement(sqlite3 *db, const char *sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int index, int64_t value);
    Statement &bind(int index, const QString &value);
    Statement &bind(int index, const QByteArray &value);
    Statement &bindNull(int index);
    Statement &bindOptional(int index, std::optional<int64_t> value);

    bool step();   // true while a row is available
    void exec();   // step() to completion, no rows expected
    void reset();

    int64_t int64(int column) const;
    std::optional<int64_t> optionalInt64(int column) const;
    QString text(int column) const;
    QByteArray blob(int column) const;

private:
    [[noreturn]] void fail(const char *what, int rc) const;

    sqlite3 *m_db;
    sqlite3_stmt *m_stmt = nullptr;
};

// Runs one or more statements that return no rows.
void execSql(sqlite3 *db, const char *sql);

// BEGIN IMMEDIATE on construction (a SAVEPOINT when already inside a transaction), rolled
// back on destruction unless commit() was called.
class Transaction {
public:
    explicit Transaction(sqlite3 *db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

private:
    sqlite3 *m_db;
    bool m_nested;
    bool m_done = false;
};

} // namespace enclave::storage
