// NoModelBanner: says plainly that no model is loaded and offers the import.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: root
    property int libraryCount: 0
    property bool importing: false
    property string importStatus: ""
    property string importError: ""
    property bool modelLoading: false
    property string modelName: ""
    property string modelError: ""
    signal importRequested()
    signal errorDismissed()

    // The error shown: a plain first line, then (after "\n") the technical detail, shown smaller.
    readonly property string error: root.importError.length > 0 ? root.importError
                                    : root.modelLoading ? "" : root.modelError
    readonly property string errorHeadline: root.error.split("\n")[0]
    readonly property string errorDetail: root.error.split("\n").slice(1).join("\n")

    // The text column's height follows its wrapped lines; the row's implicit height does not.
    implicitHeight: Math.max(titleLabel.implicitHeight + detailLabel.contentHeight + textColumn.spacing
                             + (technicalLabel.visible ? technicalLabel.contentHeight + textColumn.spacing : 0), 36)
                    + 2 * Theme.padding
    radius: Theme.radius
    color: root.importError.length > 0 ? Qt.rgba(0.8, 0.2, 0.2, 0.12) : Theme.warning
    border.color: root.importError.length > 0 ? Theme.error : Theme.warningBorder

    RowLayout {
        id: layout
        anchors.fill: parent
        anchors.margins: Theme.padding
        spacing: Theme.spacing
        ColumnLayout {
            id: textColumn
            Layout.fillWidth: true
            spacing: 2
            Label {
                id: titleLabel
                objectName: "bannerTitle"
                Layout.fillWidth: true
                text: root.importError.length > 0 ? qsTr("This model could not be imported")
                      : root.modelLoading ? qsTr("Loading %1…").arg(root.modelName)
                      : root.modelError.length > 0 ? qsTr("%1 could not be loaded").arg(root.modelName)
                      : qsTr("No model is loaded")
                font.bold: true
                color: Theme.text
            }
            Label {
                id: detailLabel
                objectName: "bannerDetail"
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                color: root.importError.length > 0 || root.modelError.length > 0 ? Theme.error : Theme.textMuted
                textFormat: Text.PlainText // from a file or an error: never markup
                text: root.error.length > 0 ? root.errorHeadline
                      : root.modelLoading ? qsTr("Reading the model file; this takes a moment for large models.")
                      : root.importing ? root.importStatus
                      : root.libraryCount > 0
                        ? qsTr("%n model(s) in your library. Messages are saved; answers need a loaded model.", "", root.libraryCount)
                        : qsTr("New here? Download a model in your browser (a .gguf file, or a Hugging Face folder with .safetensors), then choose Import model… or drop it on this window. It stays on this computer; your messages are saved meanwhile.")
            }
            Label {
                id: technicalLabel
                objectName: "bannerTechnical"
                visible: root.errorDetail.length > 0
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                font.pixelSize: Theme.smallFontSize
                color: Theme.textMuted
                textFormat: Text.PlainText // from a file or an error: never markup
                text: root.errorDetail
            }
        }
        BusyIndicator {
            visible: root.importing || root.modelLoading
            running: visible
            Layout.preferredWidth: 28
            Layout.preferredHeight: 28
        }
        Button {
            objectName: "importButton"
            text: root.importError.length > 0 ? qsTr("Try another file…") : qsTr("Import model…")
            enabled: !root.importing
            onClicked: root.importRequested()
        }
        IconButton {
            visible: root.importError.length > 0
            text: "✕"
            tip: qsTr("Dismiss")
            onClicked: root.errorDismissed()
        }
    }
}
