// The schema's history. Timestamps are milliseconds since the Unix epoch (UTC);
// JSON columns hold objects serialised as UTF-8 text.
#include "storage/migrations.h"

namespace enclave::storage {
namespace {

// 1: conversations, messages as a tree, models, settings.
constexpr const char *kSchemaV1 = R"sql(
CREATE TABLE models (
    id           INTEGER PRIMARY KEY,
    path         TEXT    NOT NULL UNIQUE,
    format       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    fingerprint  TEXT    NOT NULL,
    metadata     TEXT    NOT NULL DEFAULT '{}',
    added_at     INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    pinned        INTEGER NOT NULL DEFAULT 0,
    system_prompt TEXT    NOT NULL DEFAULT '',
    settings      TEXT    NOT NULL DEFAULT '{}',
    model_id      INTEGER REFERENCES models(id) ON DELETE SET NULL,
    deleted_at    INTEGER
);
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id       INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'partial', 'error')),
    created_at      INTEGER NOT NULL,
    stats           TEXT    NOT NULL DEFAULT '{}',
    settings        TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, parent_id);
CREATE INDEX conversations_by_update ON conversations(pinned DESC, updated_at DESC);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
)sql";

// 2: reasoning text per message, the selected branch per conversation, and full-text search.
constexpr const char *kSchemaV2 = R"sql(
ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN current_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL;
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
)sql";

constexpr Migration kMigrations[] = {
    {1, kSchemaV1},
    {2, kSchemaV2},
};

} // namespace

std::span<const Migration> migrations() { return kMigrations; }

} // namespace enclave::storage
