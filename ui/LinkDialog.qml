// LinkDialog: a link in an answer was clicked. Enclave opens nothing by itself (answers come
// from a model, links may lead anywhere), so the address is shown to read or copy.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Dialog {
    id: root
    property string url: ""
    signal copyRequested(string url)

    function show(link) {
        url = link
        open()
    }

    title: qsTr("Link")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 520, 520)
    standardButtons: Dialog.Close

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing
        Label {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            text: qsTr("Enclave does not open links. Copy the address to open it in your browser if you trust it.")
            color: Theme.textMuted
        }
        TextField {
            objectName: "linkField"
            Layout.fillWidth: true
            text: root.url
            readOnly: true
            selectByMouse: true
            color: Theme.text
        }
        Button {
            objectName: "copyLinkButton"
            Layout.alignment: Qt.AlignRight
            text: qsTr("Copy address")
            onClicked: { root.copyRequested(root.url); root.close() }
        }
    }
}
