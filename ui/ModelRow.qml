// ModelRow: one model of the library — name, facts line (architecture, parameters, experts,
// quantization, size, context) and a coloured memory verdict; or "missing" for a moved file.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Rectangle {
    id: root
    required property var model
    property bool loaded: false
    property var dialog             // for sizeText / countText
    signal loadClicked()
    signal unloadClicked()
    signal removeClicked()

    // MemoryFit: 0 VRAM, 1 experts in RAM, 2 CPU, 3 will not fit; -1 unknown. Readable on either theme.
    function fitColor(fit) {
        if (fit === 0) return Theme.dark ? "#81c784" : "#2e7d32"
        if (fit === 1) return Theme.dark ? "#90caf9" : "#1565c0"
        if (fit === 2) return Theme.text // running on the CPU is normal, not a warning
        return fit === 3 ? Theme.error : Theme.textMuted
    }
    function factsText() {
        const m = model
        let parts = [m.architecture || m.format]
        if (m.totalParams > 0) {
            parts.push(m.activeParams > 0 && m.activeParams < m.totalParams
                       ? qsTr("%1 params, %2 active").arg(dialog.countText(m.totalParams)).arg(dialog.countText(m.activeParams))
                       : qsTr("%1 params").arg(dialog.countText(m.totalParams)))
            parts.push(m.experts > 0 ? qsTr("%1 experts, %2 per token").arg(m.experts).arg(m.expertsUsed) : qsTr("dense"))
            parts.push(m.quantization)
        }
        parts.push(dialog.sizeText(m.size))
        if (m.contextLength > 0)
            parts.push(qsTr("context %1").arg(m.contextLength))
        return parts.map(p => p.replace(/ /g, "\u00a0")).join(" · ") // wraps between facts, not inside one
    }

    implicitHeight: row.implicitHeight + 16
    radius: Theme.radius
    color: loaded ? Theme.selection : Theme.surface
    border.color: Theme.border

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.margins: 8
        spacing: Theme.spacing
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 2
            Label { text: root.model.name; textFormat: Text.PlainText; font.bold: true; color: Theme.text; elide: Text.ElideRight; Layout.fillWidth: true }
            Label {
                objectName: "factsLabel"
                Layout.fillWidth: true
                wrapMode: root.model.missing ? Text.NoWrap : Text.Wrap
                elide: root.model.missing ? Text.ElideMiddle : Text.ElideNone
                color: root.model.missing ? Theme.error : Theme.textMuted
                font.pixelSize: Theme.smallFontSize
                textFormat: Text.PlainText // names and facts from the file: never markup
                text: root.model.missing ? qsTr("Missing: %1 was moved or deleted").arg(root.model.path) : root.factsText()
            }
            Label {
                objectName: "fitLabel"
                visible: !root.model.missing
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                font.pixelSize: Theme.smallFontSize
                color: root.fitColor(root.model.fit)
                textFormat: Text.PlainText // the error names the file: never markup
                text: root.model.fit >= 0
                      ? qsTr("● %1 — needs %2 at %3 tokens").arg(root.model.fitText)
                            .arg(root.dialog.sizeText(root.model.memoryNeeded)).arg(root.model.estimateContext)
                      : (root.model.factsError ? qsTr("Cannot read: %1").arg(root.model.factsError.split("\n")[0])
                                               : qsTr("Reading…"))
            }
            Label { // the technical rest of a facts error (path, offsets), under its plain first line
                objectName: "factsErrorDetail"
                visible: !root.model.missing && root.model.fit < 0 && text.length > 0
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                font.pixelSize: Theme.smallFontSize
                color: Theme.textMuted
                textFormat: Text.PlainText // from a file or an error: never markup
                text: (root.model.factsError || "").split("\n").slice(1).join("\n")
            }
        }
        Button {
            objectName: "loadModelButton"
            text: root.loaded ? qsTr("Unload") : qsTr("Load")
            enabled: !root.model.missing || root.loaded
            ToolTip.visible: hovered && root.loaded
            ToolTip.text: qsTr("Frees its memory; conversations stay")
            onClicked: root.loaded ? root.unloadClicked() : root.loadClicked()
        }
        Button {
            objectName: "removeModelButton"
            text: qsTr("Remove")
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Removes it from the library; the file stays where it is")
            onClicked: root.removeClicked()
        }
    }
}
