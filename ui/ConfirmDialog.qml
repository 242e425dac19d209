// ConfirmDialog: asks before something that cannot be undone; accepted() carries on.
import QtQuick
import QtQuick.Controls.Basic

Dialog {
    id: root
    property string message: ""
    property string confirmText: qsTr("Delete")
    property var payload                // handed back with confirmed()
    signal confirmed(var payload)

    function ask(text, value) {
        message = text
        payload = value
        open()
    }

    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 420, 420)
    standardButtons: Dialog.Ok | Dialog.Cancel
    onAccepted: confirmed(payload)
    Component.onCompleted: standardButton(Dialog.Ok).text = confirmText

    Label {
        objectName: "confirmMessage"
        width: parent.width
        wrapMode: Text.Wrap
        text: root.message
        color: Theme.text
    }
}
