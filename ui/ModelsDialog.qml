// ModelsDialog: the model library — every imported model with its architecture, format
// and size; load one, or remove it from the library (the file itself is never touched).
// A file that was moved or deleted is shown as missing.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Dialog {
    id: root
    property var library            // ModelLibrary
    property var loadedModelId: 0
    signal loadRequested(var modelId)
    signal removeRequested(var modelId)
    signal importRequested()

    function sizeText(bytes) {
        if (bytes >= 1e9) return (bytes / 1e9).toFixed(1) + " GB"
        if (bytes >= 1e6) return (bytes / 1e6).toFixed(1) + " MB"
        return Math.round(bytes / 1e3) + " kB"
    }

    title: qsTr("Models")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 640, 640)
    height: Math.min(parent ? parent.height - 40 : 480, 480)
    standardButtons: Dialog.Close

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing
        ListView {
            id: list
            objectName: "modelList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 4
            model: root.library
            delegate: Rectangle {
                required property var model
                width: ListView.view.width
                implicitHeight: row.implicitHeight + 16
                radius: Theme.radius
                color: model.modelId === root.loadedModelId ? Theme.selection : Theme.surface
                border.color: Theme.border
                RowLayout {
                    id: row
                    anchors.fill: parent
                    anchors.margins: 8
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label { text: model.name; font.bold: true; color: Theme.text; elide: Text.ElideRight; Layout.fillWidth: true }
                        Label {
                            Layout.fillWidth: true
                            elide: Text.ElideMiddle
                            color: model.missing ? Theme.error : Theme.textMuted
                            font.pixelSize: Theme.smallFontSize
                            text: model.missing ? qsTr("Missing: %1 was moved or deleted").arg(model.path)
                                                : [model.architecture, model.format, root.sizeText(model.size)].join(" · ")
                        }
                    }
                    Button {
                        text: model.modelId === root.loadedModelId ? qsTr("Loaded") : qsTr("Load")
                        enabled: !model.missing && model.modelId !== root.loadedModelId
                        onClicked: root.loadRequested(model.modelId)
                    }
                    Button {
                        objectName: "removeModelButton"
                        text: qsTr("Remove")
                        ToolTip.visible: hovered
                        ToolTip.text: qsTr("Removes it from the library; the file stays where it is")
                        onClicked: root.removeRequested(model.modelId)
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: qsTr("No models yet.")
                color: Theme.textMuted
            }
        }
        Button {
            text: qsTr("Import model…")
            onClicked: root.importRequested()
        }
    }
}
