// ReasoningSection: the model's reasoning (<think> text), folded under a header that says how
// long it thought — "Thinking… 3 s" counting while it streams, "Thought for 4.2 s" after.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

ColumnLayout {
    id: root
    property string text: ""
    property bool thinking: false   // reasoning is streaming and no answer text came yet
    property real startedAt: 0      // ms since the epoch of the first reasoning text (while thinking)
    property real durationMs: -1    // measured duration; -1: not known (older answers)
    property bool expanded: false
    property real now: Date.now()

    function headerText() {
        if (thinking)
            return qsTr("Thinking… %1 s").arg(startedAt > 0 ? Math.max(0, Math.floor((now - startedAt) / 1000)) : 0)
        if (durationMs >= 0)
            return qsTr("Thought for %1 s").arg((durationMs / 1000).toFixed(1))
        return qsTr("Reasoning")
    }

    spacing: 4
    Timer { interval: 250; repeat: true; running: root.thinking; triggeredOnStart: true; onTriggered: root.now = Date.now() }

    Label {
        objectName: "reasoningToggle"
        text: (root.expanded ? "▾ " : "▸ ") + root.headerText()
        color: Theme.textMuted
        font.pixelSize: Theme.smallFontSize
        Accessible.role: Accessible.Button
        Accessible.name: text
        TapHandler { onTapped: root.expanded = !root.expanded }
        HoverHandler { cursorShape: Qt.PointingHandCursor }
    }
    TextEdit {
        objectName: "reasoningText"
        Layout.fillWidth: true
        Layout.leftMargin: 12
        visible: root.expanded
        text: root.text
        readOnly: true
        selectByMouse: true
        wrapMode: TextEdit.Wrap
        color: Theme.textMuted
        font.pixelSize: Theme.smallFontSize
        font.italic: true
        textFormat: TextEdit.PlainText
    }
}
