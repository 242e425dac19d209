// ImportChoiceDialog: a safetensors model is being imported — run it as it is, or quantize it into
// a GGUF in the data folder (estimated size against the free disk space). While quantizing it shows
// the progress and a Cancel button.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Dialog {
    id: root
    property var pending: ({})       // {name, path, size, freeDisk, options: [{type, label, bytes}], quantizeError}
    property bool quantizing: false
    property real progress: 0
    property string status: ""
    signal useAsIsRequested()
    signal quantizeRequested(string type)
    signal cancelRequested()

    property string choice: "asis"
    onPendingChanged: choice = "asis"
    readonly property var options: pending && pending.options ? pending.options : []
    function sizeText(bytes) {
        if (bytes >= 1e9) return (bytes / 1e9).toFixed(2) + " GB"
        if (bytes >= 1e6) return (bytes / 1e6).toFixed(1) + " MB"
        return Math.round(bytes / 1e3) + " kB"
    }
    function fitsDisk(bytes) { return !pending.freeDisk || bytes <= pending.freeDisk }

    title: quantizing ? qsTr("Quantizing %1").arg(pending.name || "") : qsTr("Import %1").arg(pending.name || "")
    modal: true
    closePolicy: Popup.NoAutoClose
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 560, 560)
    // The dialog follows the app's light/dark theme (Basic style alone would stay light).
    palette.window: Theme.surface
    palette.windowText: Theme.text
    palette.base: Theme.window
    palette.text: Theme.text
    palette.button: Theme.surfaceHover
    palette.buttonText: Theme.text
    palette.mid: Theme.border
    palette.midlight: Theme.border
    palette.light: Theme.surface
    palette.dark: Theme.accent
    palette.brightText: Theme.accentText
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.accentText
    palette.placeholderText: Theme.textMuted
    palette.disabled.buttonText: Theme.textMuted
    palette.disabled.windowText: Theme.textMuted
    background: Rectangle { color: Theme.surface; border.color: Theme.border; radius: Theme.radius }
    header: Label {
        text: root.title
        color: Theme.text
        font.bold: true
        font.pixelSize: Theme.titleFontSize
        elide: Text.ElideRight
        padding: Theme.padding
        bottomPadding: 0
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing
        Label {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: Theme.textMuted
            visible: !root.quantizing
            text: qsTr("This is a safetensors model (%1). Run it as it is, or quantize it into a smaller GGUF " +
                       "in Enclave's data folder. Your files are not changed.").arg(root.sizeText(root.pending.size || 0))
        }
        ButtonGroup { id: group }
        RadioButton {
            objectName: "asIsOption"
            palette.windowText: Theme.text // note: the dialog's palette does not reach radio buttons in Qt 6.4
            palette.base: Theme.window
            palette.text: Theme.text
            palette.mid: Theme.border
            palette.disabled.windowText: Theme.textMuted
            visible: !root.quantizing
            checked: root.choice === "asis"
            ButtonGroup.group: group
            text: qsTr("Use as is (%1)").arg(root.sizeText(root.pending.size || 0))
            onClicked: root.choice = "asis"
        }
        Repeater {
            model: root.quantizing ? [] : root.options
            delegate: RadioButton {
                required property var modelData
                objectName: "option_" + modelData.type
                palette.windowText: Theme.text // note: the dialog's palette does not reach radio buttons in Qt 6.4
                palette.base: Theme.window
                palette.text: Theme.text
                palette.mid: Theme.border
                palette.disabled.windowText: Theme.textMuted
                ButtonGroup.group: group
                checked: root.choice === modelData.type
                enabled: root.fitsDisk(modelData.bytes)
                text: enabled ? qsTr("Quantize to %1 (about %2)").arg(modelData.label).arg(root.sizeText(modelData.bytes))
                              : qsTr("Quantize to %1 (about %2: more than the free disk space)").arg(modelData.label)
                                    .arg(root.sizeText(modelData.bytes))
                onClicked: root.choice = modelData.type
            }
        }
        Label {
            objectName: "diskLabel"
            visible: !root.quantizing
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            font.pixelSize: Theme.smallFontSize
            color: Theme.textMuted
            textFormat: Text.PlainText // from a file or an error: never markup
            text: root.pending.quantizeError
                  ? qsTr("Quantization is not available: %1").arg(root.pending.quantizeError)
                  : qsTr("Free disk space in the data folder: %1").arg(root.sizeText(root.pending.freeDisk || 0))
        }
        ProgressBar {
            objectName: "quantizeProgress"
            visible: root.quantizing
            Layout.fillWidth: true
            from: 0; to: 1
            value: root.progress
        }
        RowLayout {
            visible: root.quantizing
            Layout.fillWidth: true
            Label {
                Layout.fillWidth: true
                elide: Text.ElideRight
                color: Theme.textMuted
                text: root.status
            }
            Label {
                objectName: "percentLabel"
                color: Theme.text
                font.bold: true
                text: qsTr("%1%").arg(Math.floor(root.progress * 100))
            }
        }
        RowLayout {
            Layout.fillWidth: true
            Item { Layout.fillWidth: true }
            Button {
                objectName: "cancelImportButton"
                text: qsTr("Cancel")
                onClicked: root.cancelRequested()
            }
            Button {
                objectName: "confirmImportButton"
                visible: !root.quantizing
                highlighted: true
                text: root.choice === "asis" ? qsTr("Import") : qsTr("Quantize")
                onClicked: root.choice === "asis" ? root.useAsIsRequested() : root.quantizeRequested(root.choice)
            }
        }
    }
}
