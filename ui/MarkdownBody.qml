// MarkdownBody: an answer's Markdown — prose through Qt's Markdown renderer, each fenced code
// block as a CodeBlock. While the answer streams the segments are updated in place, so the
// blocks above the one being written are never rebuilt and nothing jumps. Links are shown,
// never opened: a click is reported with linkActivated(url).
import QtQuick
import QtQuick.Controls.Basic
import Enclave.Markdown

Column {
    id: root
    property string markdown: ""
    property bool streaming: false
    signal copyRequested(string code)
    signal linkActivated(string url)

    spacing: 8

    function sync() {
        const segments = Markdown.segments(markdown, streaming)
        for (let i = 0; i < segments.length; ++i) {
            const s = segments[i]
            if (i >= segmentModel.count) {
                segmentModel.append(s)
                continue
            }
            const shown = segmentModel.get(i)
            for (const key of ["kind", "language", "text"]) {
                if (shown[key] !== s[key])
                    segmentModel.setProperty(i, key, s[key])
            }
        }
        if (segmentModel.count > segments.length)
            segmentModel.remove(segments.length, segmentModel.count - segments.length)
    }
    readonly property ListModel segmentModel: ListModel {}
    onMarkdownChanged: sync()
    onStreamingChanged: sync()
    Component.onCompleted: sync()

    Repeater {
        objectName: "segments"
        model: root.segmentModel
        delegate: Loader {
            id: segment
            required property string kind
            required property string text
            required property string language
            width: root.width
            sourceComponent: kind === "code" ? codeComponent : proseComponent
            Component {
                id: proseComponent
                TextEdit {
                    objectName: "proseText"
                    text: segment.text
                    textFormat: TextEdit.MarkdownText
                    readOnly: true
                    selectByMouse: true
                    wrapMode: TextEdit.Wrap
                    color: Theme.text
                    selectionColor: Theme.selection
                    selectedTextColor: Theme.text
                    font.pixelSize: Theme.fontSize
                    onLinkActivated: (url) => root.linkActivated(url)
                    HoverHandler { cursorShape: parent.hoveredLink.length > 0 ? Qt.PointingHandCursor : Qt.IBeamCursor }
                    ToolTip.visible: hoveredLink.length > 0
                    ToolTip.text: hoveredLink
                }
            }
            Component {
                id: codeComponent
                CodeBlock {
                    objectName: "codeBlock"
                    code: segment.text
                    language: segment.language
                    onCopyRequested: (code) => root.copyRequested(code)
                }
            }
        }
    }
}
