// StorageBanner: says, for as long as it lasts, that conversations are open read-only and
// why (a full disk...): nothing new can be saved until Enclave restarts.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: root
    property string reason: ""

    visible: root.reason.length > 0
    implicitHeight: column.implicitHeight + 2 * Theme.padding
    radius: Theme.radius
    color: Qt.rgba(0.8, 0.2, 0.2, 0.12)
    border.color: Theme.error
    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: Theme.padding
        spacing: 2
        Label {
            Layout.fillWidth: true
            text: qsTr("Read-only: new messages cannot be saved")
            font.bold: true
            color: Theme.text
        }
        Label {
            objectName: "storageBannerReason"
            Layout.fillWidth: true
            text: root.reason
            textFormat: Text.PlainText // from a file or an error: never markup
            wrapMode: Text.Wrap
            color: Theme.error
        }
    }
}
