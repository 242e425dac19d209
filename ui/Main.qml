// Main: the application window. Wires the components to the App singleton; holds the
// window-wide shortcuts, the import dialog and the undo toast.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Dialogs
import QtQuick.Layouts
import Enclave

ApplicationWindow {
    id: window
    objectName: "mainWindow"
    width: 1180
    height: 760
    minimumWidth: 720
    minimumHeight: 480
    visible: true
    title: App.chat.title.length > 0 ? App.chat.title + " — Enclave" : "Enclave"
    color: Theme.window
    font.pixelSize: Theme.fontSize
    // Controls, dialogs and tooltips take their colours from the palette: set here once, they
    // all follow the light or dark theme.
    palette.window: Theme.surface
    palette.windowText: Theme.text
    palette.base: Theme.window
    palette.text: Theme.text
    palette.button: Theme.surfaceHover
    palette.buttonText: Theme.text
    palette.brightText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.accentText
    palette.light: Theme.surfaceHover
    palette.midlight: Theme.border
    palette.mid: Theme.border
    palette.dark: Theme.textMuted
    palette.placeholderText: Theme.textMuted
    palette.toolTipBase: Theme.surface
    palette.toolTipText: Theme.text

    Binding { target: Theme; property: "dark"; value: App.theme === "dark" || (App.theme === "system" && App.prefersDarkTheme) }
    Binding { target: Theme; property: "fontSize"; value: App.fontSize }

    // Typing right after launch goes to the message box.
    Component.onCompleted: chatPane.focusComposer()

    Shortcut { sequences: ["Ctrl+N"]; onActivated: { App.chat.newConversation(); chatPane.focusComposer() } }
    Shortcut { sequences: [StandardKey.Find]; onActivated: sidebar.focusSearch() }
    Shortcut { sequences: ["Ctrl+O"]; onActivated: importDialog.open() }
    Shortcut { sequences: ["Ctrl+,"]; onActivated: appSettings.open() }
    Shortcut { sequences: ["Esc"]; enabled: App.chat.generating; onActivated: App.chat.stop() }
    Shortcut { sequences: ["Ctrl+Shift+C"]; onActivated: App.chat.copyToClipboard(App.chat.lastAnswer()) }

    // For the documentation's screenshots (enclave --screenshot-view): opens one screen.
    function showView(view) {
        if (view === "settings")
            appSettings.open()
        else if (view === "conversation-settings")
            settingsDialog.openWith(App.chat.systemPrompt, App.chat.settings, App.chat.hasOverrides)
        else if (view === "models")
            modelsDialog.open()
        else if (view.startsWith("search:"))
            sidebar.searchText = view.slice(7)
    }

    FileDialog {
        id: importDialog
        objectName: "importDialog"
        title: qsTr("Import a model")
        nameFilters: [qsTr("Model files (*.gguf *.safetensors)"), qsTr("GGUF (*.gguf)"),
                      qsTr("safetensors (*.safetensors)"), qsTr("All files (*)")]
        onAccepted: App.library.importModel(selectedFile)
    }
    FolderDialog {
        id: folderDialog
        objectName: "folderDialog"
        title: qsTr("Import a Hugging Face model folder")
        onAccepted: App.library.importModel(selectedFolder)
    }
    FileDialog {
        id: exportDialog
        objectName: "exportDialog"
        property var conversationId: 0
        property string format: "markdown"
        title: qsTr("Export conversation")
        fileMode: FileDialog.SaveFile
        nameFilters: format === "json" ? [qsTr("Enclave conversation (*.json)")] : [qsTr("Markdown (*.md)")]
        defaultSuffix: format === "json" ? "json" : "md"
        onAccepted: App.conversations.exportTo(conversationId, selectedFile, format)
    }
    FileDialog {
        id: importConversationDialog
        objectName: "importConversationDialog"
        title: qsTr("Import a conversation")
        nameFilters: [qsTr("Enclave conversation (*.json)")]
        onAccepted: App.conversations.importFrom(selectedFile)
    }
    Menu {
        id: importMenu
        MenuItem { text: qsTr("Model file (.gguf, .safetensors)…"); onTriggered: importDialog.open() }
        MenuItem { text: qsTr("Model folder (config.json + safetensors)…"); onTriggered: folderDialog.open() }
        MenuSeparator {}
        MenuItem { text: qsTr("Conversation (.json)…"); onTriggered: importConversationDialog.open() }
    }

    // A search hit opens its conversation at the message that matched; a message that could
    // not be stored goes back to the composer.
    Connections {
        target: App.chat
        function onHighlightChanged() {
            if (App.chat.highlightedMessageId !== 0)
                chatPane.jumpToMessage(App.chat.highlightedMessageId)
        }
        function onDraftReturned(text) { chatPane.restoreDraft(text) }
    }

    SplitView {
        anchors.fill: parent
        orientation: Qt.Horizontal
        handle: Rectangle {
            implicitWidth: 1
            color: Theme.border
        }
        Sidebar {
            id: sidebar
            objectName: "sidebar"
            SplitView.preferredWidth: 280
            SplitView.minimumWidth: 200
            SplitView.maximumWidth: 420
            conversations: App.conversations
            currentId: App.chat.conversationId
            onNewChatRequested: { App.chat.newConversation(); chatPane.focusComposer() }
            onSettingsRequested: appSettings.open()
            onModelsRequested: modelsDialog.open()
            onConversationSelected: (id, title, messageId) => App.chat.openConversation(id, title, messageId)
            onRenameRequested: (id, title) => renameDialog.openFor(id, title)
            onPinRequested: (id, pinned) => App.conversations.setPinned(id, pinned)
            onExportRequested: (id, title, format) => {
                exportDialog.conversationId = id
                exportDialog.format = format
                exportDialog.open()
            }
            onDeleteRequested: (id, title) => {
                App.conversations.remove(id)
                toast.show(qsTr("Deleted “%1”").arg(title.length > 0 ? title : qsTr("Untitled")))
            }
        }
        ChatPane {
            id: chatPane
            objectName: "chatPane"
            SplitView.fillWidth: true
            title: App.chat.title
            messages: App.chat.messages
            modelLoaded: App.modelLoaded
            libraryCount: App.library.count
            importing: App.library.importing
            importStatus: App.library.importStatus
            importError: App.library.importError
            generating: App.chat.generating
            modelLoading: App.modelLoading
            modelName: App.modelName
            modelError: App.modelError
            notice: App.chat.lastNotice
            sendError: App.chat.sendError
            readOnlyReason: App.readOnlyReason
            onSendRequested: (text) => App.chat.sendMessage(text)
            onStopRequested: App.chat.stop()
            onEditRequested: (id, text) => App.chat.editMessage(id, text)
            onRegenerateRequested: (id) => App.chat.regenerate(id)
            onCopyRequested: (text) => App.chat.copyToClipboard(text)
            onBranchRequested: (id, delta) => App.chat.switchBranch(id, delta)
            onDeleteRequested: (id) => confirmDelete.ask(
                qsTr("Delete this message and every reply below it? This cannot be undone."), id)
            onLinkActivated: (url) => linkDialog.show(url)
            hasConversation: App.chat.conversationId !== 0
            contextTokens: App.chat.contextTokens
            contextCapacity: App.chat.contextCapacity
            onSettingsRequested: settingsDialog.openWith(App.chat.systemPrompt, App.chat.settings, App.chat.hasOverrides)
            onImportRequested: importMenu.popup()
            onImportErrorDismissed: App.library.clearImportError()
        }
    }

    ModelsDialog {
        id: modelsDialog
        objectName: "modelsDialog"
        library: App.library
        loadedModelId: App.loadedModelId
        onLoadRequested: (id) => App.loadModel(id)
        onUnloadRequested: App.unloadModel()
        onRemoveRequested: (id) => App.removeModel(id)
        onImportRequested: { close(); importMenu.popup() }
        contextLength: App.library.contextLength
        freeRamBytes: App.library.freeRamBytes
        gpus: App.library.gpus
        onContextLengthChosen: (tokens) => App.library.contextLength = tokens
        onAboutToShow: App.library.refreshSystemMemory()
    }
    ImportChoiceDialog {
        id: importChoice
        objectName: "importChoiceDialog"
        pending: App.library.pendingImport
        quantizing: App.library.quantizing
        progress: App.library.quantizeProgress
        status: App.library.importStatus
        visible: App.library.choosingImport || App.library.quantizing
        onUseAsIsRequested: App.library.useAsIs()
        onQuantizeRequested: (type) => App.library.quantizeTo(type)
        onCancelRequested: App.library.cancelImport()
    }
    AppSettingsDialog {
        id: appSettings
        objectName: "appSettingsDialog"
        theme: App.theme
        fontSize: App.fontSize
        threads: App.threads
        cpuCount: App.cpuCount
        vramBudgetMiB: App.vramBudgetMiB
        useGpu: App.useGpu
        gpus: App.gpus
        generationDefaults: App.generationDefaults
        defaultSystemPrompt: App.defaultSystemPrompt
        dataDirectory: App.dataDirectory
        onThemeChosen: (theme) => App.theme = theme
        onFontSizeChosen: (size) => App.fontSize = size
        onThreadsChosen: (threads) => App.threads = threads
        onVramBudgetChosen: (mib) => App.vramBudgetMiB = mib
        onUseGpuChosen: (use) => App.useGpu = use
        onGenerationDefaultsChosen: (settings) => App.generationDefaults = settings
        onDefaultSystemPromptChosen: (prompt) => App.defaultSystemPrompt = prompt
        onResetDefaultsRequested: App.resetGenerationDefaults()
        onOpenDataDirectoryRequested: App.openDataDirectory()
    }
    ConversationSettingsDialog {
        id: settingsDialog
        objectName: "settingsDialog"
        onSaved: (prompt, settings) => App.chat.saveOptions(prompt, settings)
        onResetRequested: App.chat.resetOptions()
    }
    ConfirmDialog {
        id: confirmDelete
        objectName: "confirmDeleteDialog"
        title: qsTr("Delete message")
        onConfirmed: (id) => App.chat.deleteMessage(id)
    }
    LinkDialog {
        id: linkDialog
        objectName: "linkDialog"
        onCopyRequested: (url) => App.chat.copyToClipboard(url)
    }
    // Drop a model file or folder anywhere on the window to import it.
    DropArea {
        objectName: "dropArea"
        anchors.fill: parent
        keys: ["text/uri-list"]
        onDropped: (drop) => {
            if (drop.hasUrls && drop.urls.length > 0) {
                App.library.importModel(drop.urls[0])
                drop.accept()
            }
        }
        Rectangle {
            anchors.fill: parent
            visible: parent.containsDrag
            color: Qt.rgba(0.2, 0.45, 0.9, 0.12)
            border.color: Theme.accent
            border.width: 2
            Label {
                anchors.centerIn: parent
                text: qsTr("Drop a GGUF or safetensors model to import it")
                font.pixelSize: Theme.titleFontSize
                color: Theme.text
            }
        }
    }
    RenameDialog {
        id: renameDialog
        onRenamed: (id, title) => App.conversations.rename(id, title)
    }
    UndoToast {
        id: toast
        objectName: "undoToast"
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 24
        onUndoRequested: App.conversations.undoRemove()
    }
    NoticeBar {
        objectName: "noticeBar"
        anchors.top: parent.top
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.topMargin: 8
        width: Math.min(parent.width - 40, implicitWidth)
        text: App.notice
        onDismissed: App.dismissNotice()
    }
}
