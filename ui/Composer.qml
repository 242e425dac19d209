// Composer: the message input. Enter sends, Shift+Enter adds a line; emits submitted(text)
// and clears itself; restoreDraft() puts back a text the receiver could not keep.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: root
    property alias text: input.text
    property bool canSend: true
    property bool generating: false
    signal stopRequested()
    property string placeholder: qsTr("Write a message…")
    signal submitted(string text)

    function send() {
        const message = input.text.trim()
        if (message.length === 0 || !root.canSend || root.generating)
            return
        root.submitted(message)
        input.clear()
    }
    function focusInput() { input.forceActiveFocus() }
    // Before whatever was typed since, so nothing is lost either way.
    function restoreDraft(text) {
        input.text = input.text.trim().length > 0 ? text + "\n" + input.text : text
        input.cursorPosition = input.length
    }

    implicitHeight: Math.min(220, Math.max(52, input.implicitHeight + 20))
    radius: Theme.radius * 1.5
    color: Theme.surface
    border.color: input.activeFocus ? Theme.accent : Theme.border

    RowLayout {
        anchors.fill: parent
        anchors.margins: 6
        spacing: 6
        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            TextArea {
                id: input
                objectName: "composerInput"
                placeholderText: root.placeholder
                placeholderTextColor: Theme.textMuted
                color: Theme.text
                font.pixelSize: Theme.fontSize
                wrapMode: TextEdit.Wrap
                background: null
                Accessible.name: qsTr("Message")
                Keys.onPressed: (event) => {
                    if (event.key === Qt.Key_Escape && root.generating) {
                        event.accepted = true
                        root.stopRequested()
                        return
                    }
                    if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter)
                            && !(event.modifiers & Qt.ShiftModifier)) {
                        event.accepted = true
                        root.send()
                    }
                }
            }
        }
        Button {
            id: sendButton
            objectName: "sendButton"
            text: root.generating ? qsTr("Stop") : qsTr("Send")
            enabled: root.generating || (root.canSend && input.text.trim().length > 0)
            Layout.alignment: Qt.AlignBottom
            onClicked: root.generating ? root.stopRequested() : root.send()
            contentItem: Text {
                text: sendButton.text
                color: sendButton.enabled ? Theme.accentText : Theme.textMuted
                font.pixelSize: Theme.fontSize
                font.bold: true
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
            }
            background: Rectangle {
                implicitWidth: 72
                implicitHeight: 36
                radius: Theme.radius
                color: sendButton.enabled ? (sendButton.down ? Qt.darker(Theme.accent, 1.2) : Theme.accent)
                                          : Theme.surfaceHover
            }
        }
    }
}
