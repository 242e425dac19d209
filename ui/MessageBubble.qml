// MessageBubble: one message of the chat. User messages sit right in a tinted bubble;
// answers use the full width. Text is selectable; interrupted answers say so.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    id: root
    property string role: "user"
    property string content: ""
    property string reasoning: ""
    property string status: "complete"
    property bool highlighted: false
    property int branchIndex: 1
    property int branchCount: 1
    property var stats: ({})
    property bool actionsEnabled: true
    readonly property bool isUser: role === "user"
    signal editSubmitted(string text)
    signal regenerateRequested()
    signal copyRequested(string text)
    signal branchRequested(int delta)

    function statsText() {
        if (!stats || stats.generated_tokens === undefined)
            return ""
        const parts = []
        if (stats.time_to_first_token_ms !== undefined)
            parts.push(qsTr("first token %1 s").arg((stats.time_to_first_token_ms / 1000).toFixed(2)))
        parts.push(qsTr("%1 tok/s").arg(Number(stats.generation_tokens_per_second).toFixed(1)))
        parts.push(qsTr("%1 tokens").arg(stats.generated_tokens))
        if (stats.prompt_tokens_per_second > 0)
            parts.push(qsTr("prompt %1 tok/s").arg(Number(stats.prompt_tokens_per_second).toFixed(0)))
        if (stats.device)
            parts.push(stats.device)
        if (stats.end_reason === "cancelled")
            parts.push(qsTr("stopped"))
        return parts.join(" · ")
    }

    implicitHeight: bubble.implicitHeight + actions.implicitHeight + 12
    implicitWidth: 400

    Rectangle {
        id: bubble
        objectName: "bubble"
        anchors.top: parent.top
        anchors.right: root.isUser ? parent.right : undefined
        anchors.left: root.isUser ? undefined : parent.left
        width: root.isUser ? Math.min(root.width * 0.8, body.implicitWidth + 2 * Theme.padding) : root.width
        implicitHeight: column.implicitHeight + 2 * Theme.padding
        radius: Theme.radius * 1.5
        color: root.highlighted ? Theme.highlight : (root.isUser ? Theme.userBubble : "transparent")
        border.color: root.isUser || root.highlighted ? "transparent" : Theme.border
        border.width: root.isUser ? 0 : 1

        ColumnLayout {
            id: column
            anchors.fill: parent
            anchors.margins: Theme.padding
            spacing: 4
            Label {
                text: root.isUser ? qsTr("You") : (root.role === "assistant" ? qsTr("Assistant") : root.role)
                font.pixelSize: Theme.smallFontSize
                font.bold: true
                color: Theme.textMuted
                visible: !root.isUser
            }
            Label {
                objectName: "reasoningToggle"
                visible: root.reasoning.length > 0
                text: (reasoningBody.visible ? "▾ " : "▸ ") + (root.status === "partial" && root.content.length === 0
                                                               ? qsTr("Thinking…") : qsTr("Reasoning"))
                color: Theme.textMuted
                font.pixelSize: Theme.smallFontSize
                TapHandler { onTapped: reasoningBody.visible = !reasoningBody.visible }
            }
            TextEdit {
                id: reasoningBody
                objectName: "reasoningText"
                Layout.fillWidth: true
                visible: false
                text: root.reasoning
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.Wrap
                color: Theme.textMuted
                font.pixelSize: Theme.smallFontSize
                font.italic: true
                textFormat: TextEdit.PlainText
            }
            TextArea {
                id: editor
                objectName: "messageEditor"
                Layout.fillWidth: true
                visible: false
                wrapMode: TextEdit.Wrap
                color: Theme.text
                font.pixelSize: Theme.fontSize
                background: Rectangle { color: Theme.surface; radius: Theme.radius; border.color: Theme.accent }
                Keys.onPressed: (event) => {
                    if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter) && !(event.modifiers & Qt.ShiftModifier)) {
                        event.accepted = true
                        editor.visible = false
                        if (editor.text.trim().length > 0 && editor.text !== root.content)
                            root.editSubmitted(editor.text)
                    } else if (event.key === Qt.Key_Escape) {
                        event.accepted = true
                        editor.visible = false
                    }
                }
            }
            TextEdit {
                id: body
                objectName: "messageText"
                visible: !editor.visible
                Layout.fillWidth: true
                text: root.content
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.Wrap
                color: Theme.text
                font.pixelSize: Theme.fontSize
                // Answers are Markdown (headings, lists, tables, code in monospace); links are
                // shown but never opened or fetched.
                textFormat: root.isUser ? TextEdit.PlainText : TextEdit.MarkdownText
            }
            Label {
                objectName: "statusLabel"
                visible: root.status !== "complete"
                text: root.status === "partial" ? qsTr("Writing…") : qsTr("Interrupted: this answer did not finish.")
                color: root.status === "error" ? Theme.error : Theme.textMuted
                font.pixelSize: Theme.smallFontSize
            }
        }
    }

    Row {
        id: actions
        objectName: "messageActions"
        anchors.top: bubble.bottom
        anchors.topMargin: 2
        anchors.right: root.isUser ? parent.right : undefined
        anchors.left: root.isUser ? undefined : parent.left
        spacing: 2
        visible: root.status !== "partial"
        IconButton {
            objectName: "branchPrevious"
            visible: root.branchCount > 1
            enabled: root.actionsEnabled && root.branchIndex > 1
            text: "‹"
            tip: qsTr("Previous version")
            onClicked: root.branchRequested(-1)
        }
        Label {
            objectName: "branchLabel"
            visible: root.branchCount > 1
            anchors.verticalCenter: parent.verticalCenter
            text: root.branchIndex + "/" + root.branchCount
            color: Theme.textMuted
            font.pixelSize: Theme.smallFontSize
        }
        IconButton {
            objectName: "branchNext"
            visible: root.branchCount > 1
            enabled: root.actionsEnabled && root.branchIndex < root.branchCount
            text: "›"
            tip: qsTr("Next version")
            onClicked: root.branchRequested(1)
        }
        IconButton {
            objectName: "copyButton"
            text: qsTr("Copy")
            font.pixelSize: Theme.smallFontSize
            tip: qsTr("Copy the text")
            onClicked: root.copyRequested(root.content)
        }
        IconButton {
            objectName: "editButton"
            visible: root.isUser
            enabled: root.actionsEnabled
            text: "✎"
            tip: qsTr("Edit (a new version of the conversation)")
            onClicked: { editor.text = root.content; editor.visible = true; editor.forceActiveFocus() }
        }
        IconButton {
            objectName: "regenerateButton"
            visible: !root.isUser
            enabled: root.actionsEnabled
            text: "↻"
            tip: qsTr("Regenerate")
            onClicked: root.regenerateRequested()
        }
        Label {
            objectName: "statsLabel"
            visible: !root.isUser && text.length > 0
            anchors.verticalCenter: parent.verticalCenter
            leftPadding: 6
            text: root.statsText()
            color: Theme.textMuted
            font.pixelSize: Theme.smallFontSize
        }
    }
}
