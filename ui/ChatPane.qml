// ChatPane: the open conversation — title, messages, the no-model banner and the composer.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: root
    property string title: ""
    property var messages                 // MessageModel
    property bool modelLoaded: false
    property int libraryCount: 0
    property bool importing: false
    property string importStatus: ""
    property string importError: ""
    property bool generating: false
    property bool modelLoading: false
    property string modelName: ""
    property string modelError: ""
    property string notice: ""
    property string sendError: ""        // why the last message was not stored
    property string readOnlyReason: ""   // non-empty: nothing can be stored (a full disk...)
    signal sendRequested(string text)
    signal stopRequested()
    signal editRequested(var messageId, string text)
    signal regenerateRequested(var messageId)
    signal copyRequested(string text)
    signal branchRequested(var messageId, int delta)
    signal settingsRequested()
    property bool hasConversation: false
    property real contextTokens: 0
    property real contextCapacity: 0
    signal importRequested()
    signal importErrorDismissed()
    signal deleteRequested(var messageId)
    signal linkActivated(string url)
    // The message a search hit jumped to: kept in view while the conversation loads and lit up
    // for a moment, then the list goes back to following the newest message.
    property var flashedMessageId: 0

    function focusComposer() { composer.focusInput() }
    // A message that could not be stored: its text goes back to the composer.
    function restoreDraft(text) { composer.restoreDraft(text) }
    function jumpToMessage(messageId) {
        flashedMessageId = messageId
        flashTimer.restart()
        placeFlashed()
    }
    function placeFlashed() {
        const row = root.messages && root.messages.rowOf ? root.messages.rowOf(flashedMessageId) : -1
        if (row < 0)
            return
        messageList.positionViewAtIndex(row, ListView.Center)
        // Rows above may still grow as they lay out: place it again once they have.
        Qt.callLater(() => messageList.positionViewAtIndex(row, ListView.Center))
    }
    Timer { id: flashTimer; interval: 2500; onTriggered: root.flashedMessageId = 0 }

    color: Theme.window

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Rectangle {
            Layout.fillWidth: true
            implicitHeight: 52
            color: Theme.window
            IconButton {
                id: settingsButton
                objectName: "settingsButton"
                anchors.verticalCenter: parent.verticalCenter
                anchors.right: parent.right
                anchors.rightMargin: 12
                visible: root.hasConversation
                text: "⚙"
                tip: qsTr("System prompt and generation settings")
                onClicked: root.settingsRequested()
            }
            Label {
                objectName: "modelChip"
                anchors.verticalCenter: parent.verticalCenter
                anchors.right: settingsButton.left
                anchors.rightMargin: 8
                visible: root.modelLoaded
                text: "● " + root.modelName
                textFormat: Text.PlainText // from a file or an error: never markup
                color: Theme.textMuted
                font.pixelSize: Theme.smallFontSize
            }
            Label {
                objectName: "chatTitle"
                anchors.verticalCenter: parent.verticalCenter
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.leftMargin: 20
                anchors.rightMargin: 40 + (root.modelLoaded ? 200 : 0)
                text: root.title.length > 0 ? root.title : qsTr("New chat")
                font.pixelSize: Theme.titleFontSize
                font.bold: true
                color: Theme.text
                elide: Text.ElideRight
            }
            Rectangle {
                anchors.bottom: parent.bottom
                width: parent.width
                height: 1
                color: Theme.border
            }
        }

        ListView {
            id: messageList
            objectName: "messageList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.maximumWidth: 860
            Layout.alignment: Qt.AlignHCenter
            leftMargin: 20
            rightMargin: 20
            topMargin: 16
            bottomMargin: 16
            clip: true
            spacing: 6
            model: root.messages
            ScrollBar.vertical: ScrollBar {}
            onCountChanged: root.flashedMessageId !== 0 ? root.placeFlashed() : Qt.callLater(positionViewAtEnd)
            delegate: MessageBubble {
                required property var model
                width: ListView.view.width - ListView.view.leftMargin - ListView.view.rightMargin
                role: model.role
                content: model.content
                reasoning: model.reasoning !== undefined ? model.reasoning : ""
                status: model.status
                branchIndex: model.branchIndex !== undefined ? model.branchIndex : 1
                branchCount: model.branchCount !== undefined ? model.branchCount : 1
                stats: model.stats !== undefined ? model.stats : ({})
                generation: model.generation !== undefined ? model.generation : ({})
                actionsEnabled: !root.generating
                highlighted: root.flashedMessageId !== 0 && model.messageId === root.flashedMessageId
                onEditSubmitted: (text) => root.editRequested(model.messageId, text)
                onRegenerateRequested: root.regenerateRequested(model.messageId)
                onCopyRequested: (text) => root.copyRequested(text)
                onBranchRequested: (delta) => root.branchRequested(model.messageId, delta)
                onDeleteRequested: root.deleteRequested(model.messageId)
                onLinkActivated: (url) => root.linkActivated(url)
            }
            Column {
                anchors.centerIn: parent
                spacing: 8
                visible: messageList.count === 0
                width: Math.min(parent.width - 40, 440)
                Label {
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    text: qsTr("What’s on your mind?")
                    font.pixelSize: 22
                    color: Theme.text
                }
                Label {
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.Wrap
                    text: qsTr("Everything you write stays on this computer.")
                    color: Theme.textMuted
                }
            }
        }

        ColumnLayout {
            Layout.fillWidth: true
            Layout.maximumWidth: 860
            Layout.alignment: Qt.AlignHCenter
            Layout.leftMargin: 20
            Layout.rightMargin: 20
            Layout.bottomMargin: 16
            spacing: Theme.spacing
            NoModelBanner {
                objectName: "noModelBanner"
                Layout.fillWidth: true
                visible: !root.modelLoaded || root.importError.length > 0
                libraryCount: root.libraryCount
                importing: root.importing
                importStatus: root.importStatus
                importError: root.importError
                modelLoading: root.modelLoading
                modelName: root.modelName
                modelError: root.modelError
                onImportRequested: root.importRequested()
                onErrorDismissed: root.importErrorDismissed()
            }
            StorageBanner {
                objectName: "storageBanner"
                Layout.fillWidth: true
                reason: root.readOnlyReason
            }
            RowLayout {
                objectName: "contextMeter"
                Layout.fillWidth: true
                visible: root.modelLoaded && root.contextCapacity > 0 && root.hasConversation
                readonly property real fill: root.contextCapacity > 0 ? root.contextTokens / root.contextCapacity : 0
                spacing: Theme.spacing
                Rectangle {
                    Layout.fillWidth: true
                    implicitHeight: 4
                    radius: 2
                    color: Theme.border
                    Rectangle {
                        width: parent.width * Math.min(1, parent.parent.fill)
                        height: parent.height
                        radius: 2
                        color: parent.parent.fill > 0.85 ? Theme.error : Theme.accent
                    }
                }
                Label {
                    objectName: "contextLabel"
                    text: parent.fill > 0.85
                          ? qsTr("Context %1 / %2 tokens: the oldest messages will be left out when it is full")
                                .arg(root.contextTokens).arg(root.contextCapacity)
                          : qsTr("Context %1 / %2 tokens").arg(root.contextTokens).arg(root.contextCapacity)
                    color: parent.fill > 0.85 ? Theme.error : Theme.textMuted
                    font.pixelSize: Theme.smallFontSize
                }
            }
            Label {
                objectName: "noticeLabel"
                Layout.fillWidth: true
                visible: root.notice.length > 0
                text: root.notice
                textFormat: Text.PlainText // from a file or an error: never markup
                wrapMode: Text.Wrap
                color: Theme.textMuted
                font.pixelSize: Theme.smallFontSize
            }
            Label {
                objectName: "sendErrorLabel"
                Layout.fillWidth: true
                visible: root.sendError.length > 0
                text: root.sendError
                textFormat: Text.PlainText // from a file or an error: never markup
                wrapMode: Text.Wrap
                color: Theme.error
                font.pixelSize: Theme.smallFontSize
            }
            Composer {
                id: composer
                objectName: "composer"
                Layout.fillWidth: true
                canSend: root.readOnlyReason.length === 0
                placeholder: canSend ? qsTr("Write a message…")
                                     : qsTr("Read-only: nothing can be saved until Enclave restarts")
                generating: root.generating
                onSubmitted: (text) => root.sendRequested(text)
                onStopRequested: root.stopRequested()
            }
        }
    }
}
