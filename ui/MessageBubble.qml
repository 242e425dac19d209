// MessageBubble: one message of the chat. User messages sit right in a tinted bubble, plain
// text; answers use the full width and render as Markdown with highlighted code blocks and a
// folded reasoning section. Interrupted answers say so; the action row below acts on it.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Item {
    id: root
    property string role: "user"
    property string content: ""
    property string reasoning: ""
    property string status: "complete"
    property bool highlighted: false
    property int branchIndex: 1
    property int branchCount: 1
    property var stats: ({})
    property var generation: ({})   // the model and settings that produced an answer
    property bool actionsEnabled: true
    readonly property bool isUser: role === "user"
    readonly property bool streaming: status === "partial"
    signal editSubmitted(string text)
    signal regenerateRequested()
    signal copyRequested(string text)
    signal branchRequested(int delta)
    signal deleteRequested()
    signal linkActivated(string url)

    function statsText() {
        if (!stats || stats.generated_tokens === undefined)
            return ""
        const parts = []
        if (stats.time_to_first_token_ms !== undefined)
            parts.push(qsTr("first token %1 s").arg((stats.time_to_first_token_ms / 1000).toFixed(2)))
        parts.push(qsTr("%1 tok/s").arg(Number(stats.generation_tokens_per_second).toFixed(1)))
        parts.push(qsTr("%1 tokens").arg(stats.generated_tokens))
        if (stats.prompt_tokens_per_second > 0)
            parts.push(qsTr("prompt %1 tok/s").arg(Number(stats.prompt_tokens_per_second).toFixed(0)))
        if (stats.device)
            parts.push(stats.device)
        if (stats.end_reason === "cancelled")
            parts.push(qsTr("stopped"))
        return parts.join(" · ")
    }
    // What produced this answer, one setting per line (the stats line's tooltip).
    function generationText() {
        const g = generation || {}
        if (g.model === undefined && g.temperature === undefined)
            return ""
        const lines = []
        if (g.model)
            lines.push(qsTr("Model: %1").arg(g.model))
        const names = [["temperature", qsTr("Temperature")], ["top_k", qsTr("Top-k")], ["top_p", qsTr("Top-p")],
                       ["min_p", qsTr("Min-p")], ["repeat_penalty", qsTr("Repetition penalty")],
                       ["seed", qsTr("Seed")], ["max_tokens", qsTr("Maximum tokens")],
                       ["context_length", qsTr("Context length")]]
        for (const [key, name] of names) {
            if (g[key] !== undefined)
                lines.push(name + ": " + (key === "context_length" && g[key] === 0 ? qsTr("model default")
                                         : key === "seed" && g[key] === 0 ? qsTr("random") : g[key]))
        }
        if (g.system_prompt)
            lines.push(qsTr("System prompt: %1").arg(g.system_prompt.length > 80 ? g.system_prompt.slice(0, 80) + "…"
                                                                                   : g.system_prompt))
        return lines.join("\n")
    }

    implicitHeight: bubble.implicitHeight + (actions.visible ? actions.implicitHeight + 2 : 0) + 10
    implicitWidth: 400

    Rectangle {
        id: bubble
        objectName: "bubble"
        anchors.top: parent.top
        anchors.right: root.isUser ? parent.right : undefined
        anchors.left: root.isUser ? undefined : parent.left
        width: root.isUser ? Math.min(root.width * 0.8, userText.implicitWidth + 2 * Theme.padding) : root.width
        implicitHeight: column.implicitHeight + 2 * Theme.padding
        radius: Theme.radius * 1.5
        color: root.highlighted ? Theme.highlight : (root.isUser ? Theme.userBubble : "transparent")
        border.color: root.isUser || root.highlighted ? "transparent" : Theme.border
        border.width: root.isUser ? 0 : 1
        Behavior on color { ColorAnimation { duration: 400 } }

        ColumnLayout {
            id: column
            anchors.fill: parent
            anchors.margins: Theme.padding
            spacing: 6
            Label {
                text: root.role === "assistant" ? qsTr("Assistant") : root.role
                font.pixelSize: Theme.smallFontSize
                font.bold: true
                color: Theme.textMuted
                visible: !root.isUser
            }
            ReasoningSection {
                objectName: "reasoning"
                Layout.fillWidth: true
                visible: root.reasoning.length > 0
                text: root.reasoning
                thinking: root.streaming && root.content.length === 0
                startedAt: root.stats && root.stats.reasoning_started_at ? root.stats.reasoning_started_at : 0
                durationMs: root.stats && root.stats.reasoning_ms !== undefined ? root.stats.reasoning_ms : -1
            }
            TextArea {
                id: editor
                objectName: "messageEditor"
                Layout.fillWidth: true
                visible: false
                wrapMode: TextEdit.Wrap
                color: Theme.text
                font.pixelSize: Theme.fontSize
                background: Rectangle { color: Theme.surface; radius: Theme.radius; border.color: Theme.accent }
                Keys.onPressed: (event) => {
                    if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter) && !(event.modifiers & Qt.ShiftModifier)) {
                        event.accepted = true
                        editor.visible = false
                        if (editor.text.trim().length > 0 && editor.text !== root.content)
                            root.editSubmitted(editor.text)
                    } else if (event.key === Qt.Key_Escape) {
                        event.accepted = true
                        editor.visible = false
                    }
                }
            }
            TextEdit {
                id: userText
                objectName: "messageText"
                visible: root.isUser && !editor.visible
                Layout.fillWidth: true
                text: root.isUser ? root.content : ""
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.Wrap
                color: Theme.text
                selectionColor: Theme.selection
                selectedTextColor: Theme.text
                font.pixelSize: Theme.fontSize
                textFormat: TextEdit.PlainText // what the user typed, exactly
            }
            MarkdownBody {
                objectName: "markdownBody"
                visible: !root.isUser
                Layout.fillWidth: true
                markdown: root.isUser ? "" : root.content
                streaming: root.streaming
                onCopyRequested: (code) => root.copyRequested(code)
                onLinkActivated: (url) => root.linkActivated(url)
            }
            Label {
                objectName: "statusLabel"
                visible: root.status !== "complete"
                text: root.streaming ? qsTr("Writing…") : qsTr("Interrupted: this answer did not finish.")
                color: root.status === "error" ? Theme.error : Theme.textMuted
                font.pixelSize: Theme.smallFontSize
            }
        }
    }

    MessageActions {
        id: actions
        objectName: "messageActions"
        anchors.top: bubble.bottom
        anchors.topMargin: 2
        anchors.right: root.isUser ? parent.right : undefined
        anchors.left: root.isUser ? undefined : parent.left
        visible: !root.streaming
        isUser: root.isUser
        maxWidth: root.width
        enabledActions: root.actionsEnabled
        branchIndex: root.branchIndex
        branchCount: root.branchCount
        statsText: root.statsText()
        detailsText: root.generationText()
        modelName: root.generation && root.generation.model ? root.generation.model : ""
        onBranchRequested: (delta) => root.branchRequested(delta)
        onCopyRequested: root.copyRequested(root.content)
        onEditRequested: { editor.text = root.content; editor.visible = true; editor.forceActiveFocus() }
        onRegenerateRequested: root.regenerateRequested()
        onDeleteRequested: root.deleteRequested()
    }
}
