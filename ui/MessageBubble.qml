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
    readonly property bool isUser: role === "user"

    implicitHeight: bubble.implicitHeight + 12
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
            TextEdit {
                id: body
                objectName: "messageText"
                Layout.fillWidth: true
                text: root.content
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.Wrap
                color: Theme.text
                font.pixelSize: Theme.fontSize
                textFormat: TextEdit.PlainText
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
}
