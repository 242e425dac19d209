// NoticeBar: the app-wide notice at the top of the window (saved exports, storage errors),
// until the user dismisses it.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: root
    property string text: ""
    signal dismissed()

    visible: root.text.length > 0
    implicitWidth: noticeRow.implicitWidth + 24
    implicitHeight: noticeRow.implicitHeight + 16
    radius: Theme.radius
    color: Theme.warning
    border.color: Theme.warningBorder
    RowLayout {
        id: noticeRow
        anchors.fill: parent
        anchors.margins: 8
        Label {
            text: root.text
            textFormat: Text.PlainText // errors may quote names from files: never markup
            wrapMode: Text.Wrap
            color: Theme.text
            Layout.fillWidth: true
            Layout.maximumWidth: 640
        }
        IconButton { text: "✕"; tip: qsTr("Dismiss"); onClicked: root.dismissed() }
    }
}
