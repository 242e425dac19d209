// UndoToast: a short-lived notice with an Undo action ("Deleted “Trip plans” — Undo").
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: root
    property string message: ""
    property int timeout: 8000
    signal undoRequested()
    signal expired()

    function show(text) {
        root.message = text
        root.visible = true
        timer.restart()
    }
    function hide() {
        timer.stop()
        root.visible = false
    }

    visible: false
    implicitWidth: row.implicitWidth + 2 * Theme.padding
    implicitHeight: 44
    radius: Theme.radius
    color: Theme.dark ? "#e8eaed" : "#2b2f36"
    // The action on the inverted background: a strong blue on light, a light blue on dark.
    readonly property color actionColor: Theme.dark ? "#1a56c4" : "#9cc0ff"

    Timer {
        id: timer
        interval: root.timeout
        onTriggered: { root.visible = false; root.expired() }
    }
    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: Theme.padding
        anchors.rightMargin: Theme.padding / 2
        spacing: Theme.spacing
        Label {
            objectName: "toastText"
            text: root.message
            color: Theme.dark ? "#1d2025" : "#ffffff"
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        Button {
            objectName: "undoButton"
            text: qsTr("Undo")
            flat: true
            font.bold: true
            // A flat Basic button draws its text in windowText (buttonText when pressed).
            palette.windowText: root.actionColor
            palette.buttonText: root.actionColor
            onClicked: { root.hide(); root.undoRequested() }
        }
    }
}
