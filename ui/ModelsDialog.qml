// ModelsDialog: the model library — every imported model with its architecture, parameters,
// experts, quantization, size, context and whether it fits this machine at the chosen context
// length; load one, or remove it from the library (the file itself is never touched).
// A file that was moved or deleted is shown as missing.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Dialog {
    id: root
    property var library            // ModelLibrary (or a ListModel with the same roles)
    property var loadedModelId: 0
    property int contextLength: 0   // 0: each model's own context, capped to 8192
    property real freeRamBytes: 0
    property var gpus: []           // [{name, freeBytes, totalBytes}]
    signal loadRequested(var modelId)
    signal unloadRequested()
    signal removeRequested(var modelId)
    signal importRequested()
    signal contextLengthChosen(int tokens)

    function sizeText(bytes) {
        if (bytes >= 1e9) return (bytes / 1e9).toFixed(1) + " GB"
        if (bytes >= 1e6) return (bytes / 1e6).toFixed(1) + " MB"
        return Math.round(bytes / 1e3) + " kB"
    }
    function countText(n) {
        if (n >= 1e9) return (n / 1e9).toFixed(1) + "B"
        if (n >= 1e6) return (n / 1e6).toFixed(1) + "M"
        if (n >= 1e3) return (n / 1e3).toFixed(1) + "K"
        return String(n)
    }
    function memoryText() {
        let parts = [qsTr("Free memory: RAM %1").arg(sizeText(freeRamBytes))]
        for (let i = 0; i < gpus.length; ++i)
            parts.push(qsTr("GPU %1 %2: %3 of %4").arg(i).arg(gpus[i].name).arg(sizeText(gpus[i].freeBytes))
                       .arg(sizeText(gpus[i].totalBytes)))
        if (gpus.length === 0)
            parts.push(qsTr("no GPU"))
        return parts.join("  ·  ")
    }
    readonly property var contextChoices: [0, 2048, 4096, 8192, 16384, 32768, 65536, 131072]

    title: qsTr("Models")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 960, 960)
    height: Math.min(parent ? parent.height - 40 : 640, 640)
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

    footer: DialogButtonBox {
        alignment: Qt.AlignRight
        spacing: Theme.spacing
        background: null
        standardButtons: Dialog.Close
        Button {
            objectName: "importModelButton"
            text: qsTr("Import model…")
            DialogButtonBox.buttonRole: DialogButtonBox.ActionRole
            onClicked: root.importRequested()
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing
        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacing
            Label { text: qsTr("Estimate memory at"); color: Theme.text }
            ComboBox {
                id: contextBox
                objectName: "contextBox"
                model: root.contextChoices.map(c => c === 0 ? qsTr("model's context (≤ 8192)") : qsTr("%1 tokens").arg(c))
                currentIndex: Math.max(0, root.contextChoices.indexOf(root.contextLength))
                onActivated: (i) => root.contextLengthChosen(root.contextChoices[i])
                implicitContentWidthPolicy: ComboBox.WidestText
            }
            Item { Layout.fillWidth: true }
        }
        Label {
            objectName: "systemMemory"
            Layout.fillWidth: true
            text: root.memoryText()
            color: Theme.textMuted
            font.pixelSize: Theme.smallFontSize
            wrapMode: Text.Wrap
        }
        ListView {
            id: list
            objectName: "modelList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 4
            model: root.library
            ScrollBar.vertical: ScrollBar {}
            delegate: ModelRow {
                width: ListView.view.width
                loaded: model.modelId === root.loadedModelId
                dialog: root
                onLoadClicked: root.loadRequested(model.modelId)
                onUnloadClicked: root.unloadRequested()
                onRemoveClicked: confirmRemove.ask(model.modelId === root.loadedModelId
                                                   ? qsTr("Remove “%1” from the library? It is unloaded first; the file stays where it is.").arg(model.name)
                                                   : qsTr("Remove “%1” from the library? The file stays where it is.").arg(model.name),
                                                   model.modelId)
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: qsTr("No models yet.")
                color: Theme.textMuted
            }
        }
    }
    ConfirmDialog {
        id: confirmRemove
        objectName: "confirmRemoveDialog"
        title: qsTr("Remove model")
        confirmText: qsTr("Remove")
        onConfirmed: (id) => root.removeRequested(id)
    }
}
