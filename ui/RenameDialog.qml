// RenameDialog: edit a conversation title; Enter accepts, Esc cancels.
import QtQuick
import QtQuick.Controls.Basic

Dialog {
    id: root
    property var conversationId: 0
    property alias conversationTitle: field.text
    signal renamed(var conversationId, string title)

    function openFor(id, currentTitle) {
        conversationId = id
        field.text = currentTitle
        open()
        field.forceActiveFocus()
        field.selectAll()
    }

    modal: true
    anchors.centerIn: parent
    width: 360
    title: qsTr("Rename conversation")
    standardButtons: Dialog.Ok | Dialog.Cancel
    onAccepted: if (field.text.trim().length > 0) renamed(conversationId, field.text.trim())
    TextField {
        id: field
        objectName: "renameField"
        width: parent.width
        onAccepted: root.accept()
    }
}
