// Fuzz target: a conversation file through the JSON import into the database, then exported
// again as JSON and Markdown (what the app's Import and Export do).
#include "fuzz_support.h"

#include "storage/conversation_io.h"
#include "storage/conversation_store.h"

#include <filesystem>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace enclave;
    // One database per 500 inputs keeps it small; each is opened as the app opens its own.
    static std::unique_ptr<storage::ConversationStore> store;
    static int uses = 0;
    if (!store || ++uses % 500 == 0) {
        store.reset();
        const std::string path = fuzz::scratchDir() + "/conversations.db";
        std::error_code ec;
        for (const char *suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(path + suffix, ec);
        store = std::make_unique<storage::ConversationStore>(QString::fromStdString(path));
    }
    try {
        const storage::Conversation c =
            storage::importJson(*store, QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
        (void)storage::exportJson(*store, c.id);
        (void)storage::exportMarkdown(*store, c.id);
        store->deleteConversation(c.id);
    } catch (const std::exception &) {
    }
    return 0;
}
