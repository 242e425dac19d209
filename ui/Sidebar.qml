// Sidebar: new chat, live full-text search, and the conversation list (pinned first).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: root
    property var conversations          // ConversationListModel
    property var currentId: 0
    property alias searchText: searchField.text
    signal newChatRequested()
    signal settingsRequested()
    signal modelsRequested()
    signal conversationSelected(var conversationId, string title, var messageId)
    signal renameRequested(var conversationId, string title)
    signal pinRequested(var conversationId, bool pinned)
    signal deleteRequested(var conversationId, string title)
    signal exportRequested(var conversationId, string title, string format)

    function focusSearch() { searchField.forceActiveFocus(); searchField.selectAll() }

    color: Theme.sidebar
    implicitWidth: 280

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing

        RowLayout {
            Layout.fillWidth: true
            Label {
                text: "Enclave"
                font.pixelSize: Theme.titleFontSize
                font.bold: true
                color: Theme.text
                Layout.fillWidth: true
                leftPadding: 4
            }
            IconButton {
                objectName: "modelsButton"
                text: qsTr("Models")
                font.pixelSize: Theme.smallFontSize
                tip: qsTr("The model library")
                onClicked: root.modelsRequested()
            }
            IconButton {
                objectName: "appSettingsButton"
                text: "⚙"
                tip: qsTr("Settings (Ctrl+,)")
                onClicked: root.settingsRequested()
            }
            IconButton {
                objectName: "newChatButton"
                text: "✎"
                tip: qsTr("New chat (Ctrl+N)")
                onClicked: root.newChatRequested()
            }
        }
        TextField {
            id: searchField
            objectName: "searchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Search all messages")
            placeholderTextColor: Theme.textMuted
            color: Theme.text
            onTextChanged: if (root.conversations) root.conversations.searchQuery = text
            Keys.onEscapePressed: text = ""
            background: Rectangle {
                radius: Theme.radius
                color: Theme.surface
                border.color: searchField.activeFocus ? Theme.accent : Theme.border
            }
        }
        ListView {
            id: list
            objectName: "conversationList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 2
            model: root.conversations
            ScrollBar.vertical: ScrollBar {}
            delegate: ConversationDelegate {
                required property var model
                width: ListView.view.width
                title: model.title
                snippet: model.snippet
                pinned: model.pinned
                current: model.conversationId === root.currentId && model.snippet.length === 0
                onClicked: root.conversationSelected(model.conversationId, model.title, model.messageId)
                onRenameRequested: root.renameRequested(model.conversationId, model.title)
                onPinToggled: root.pinRequested(model.conversationId, !model.pinned)
                onDeleteRequested: root.deleteRequested(model.conversationId, model.title)
                onExportRequested: (format) => root.exportRequested(model.conversationId, model.title, format)
            }
            Label {
                anchors.centerIn: parent
                width: parent.width - 24
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                visible: list.count === 0
                color: Theme.textMuted
                text: searchField.text.trim().length > 0 ? qsTr("No messages match “%1”.").arg(searchField.text.trim())
                                                         : qsTr("No conversations yet.\nStart one with a message.")
            }
        }
    }
}
