// ConversationDelegate: one row of the sidebar — a conversation, or a search hit with
// the matching snippet (matches arrive wrapped in [[ ]] and are shown in bold).
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

ItemDelegate {
    id: root
    property string title: ""
    property string snippet: ""
    property bool pinned: false
    property bool current: false
    signal renameRequested()
    signal pinToggled()
    signal deleteRequested()
    signal exportRequested(string format)

    function snippetHtml(s) {
        const escaped = s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
        return escaped.replace(/\[\[/g, "<b>").replace(/\]\]/g, "</b>")
    }

    implicitHeight: snippet.length > 0 ? 58 : 40
    highlighted: current
    background: Rectangle {
        radius: Theme.radius
        color: root.current ? Theme.selection : (root.hovered ? Theme.surfaceHover : "transparent")
    }
    contentItem: ColumnLayout {
        spacing: 2
        RowLayout {
            spacing: 4
            Label {
                visible: root.pinned
                text: "★"
                color: Theme.accent
                font.pixelSize: Theme.smallFontSize
                Accessible.name: qsTr("Pinned")
            }
            Label {
                Layout.fillWidth: true
                text: root.title.length > 0 ? root.title : qsTr("Untitled")
                elide: Text.ElideRight
                color: Theme.text
                font.pixelSize: Theme.fontSize
            }
        }
        Label {
            visible: root.snippet.length > 0
            Layout.fillWidth: true
            textFormat: Text.StyledText
            text: root.snippetHtml(root.snippet)
            elide: Text.ElideRight
            maximumLineCount: 1
            color: Theme.textMuted
            font.pixelSize: Theme.smallFontSize
        }
    }
    TapHandler {
        acceptedButtons: Qt.RightButton
        onTapped: menu.popup()
    }
    Menu {
        id: menu
        MenuItem { text: qsTr("Rename…"); onTriggered: root.renameRequested() }
        MenuItem { text: root.pinned ? qsTr("Unpin") : qsTr("Pin"); onTriggered: root.pinToggled() }
        MenuItem { text: qsTr("Export as Markdown…"); onTriggered: root.exportRequested("markdown") }
        MenuItem { text: qsTr("Export as JSON…"); onTriggered: root.exportRequested("json") }
        MenuSeparator {}
        MenuItem { text: qsTr("Delete"); onTriggered: root.deleteRequested() }
    }
}
