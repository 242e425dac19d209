// CodeBlock: one fenced code block of an answer — language label, Copy (the raw code, not
// the coloured text), monospace with syntax colours, no wrapping: long lines scroll sideways,
// so a block that is still streaming only ever grows downwards.
import QtQuick
import QtQuick.Controls.Basic
import Enclave.Markdown

Rectangle {
    id: root
    property string code: ""
    property string language: ""
    property bool dark: Theme.dark
    property bool copied: false
    readonly property string label: Markdown.languageLabel(language)
    signal copyRequested(string code)

    implicitWidth: 400
    implicitHeight: header.height + scroller.height
    radius: Theme.radius
    color: Theme.codeBackground
    border.color: Theme.border
    clip: true

    Rectangle {
        id: header
        width: parent.width
        height: 30
        radius: Theme.radius
        color: Theme.codeHeader
        Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: parent.radius; color: parent.color }
        Label {
            objectName: "languageLabel"
            anchors.left: parent.left
            anchors.leftMargin: 10
            anchors.verticalCenter: parent.verticalCenter
            text: root.label.length > 0 ? root.label : qsTr("Code")
            color: Theme.textMuted
            font.pixelSize: Theme.smallFontSize
        }
        IconButton {
            objectName: "copyCodeButton"
            anchors.right: parent.right
            anchors.rightMargin: 4
            anchors.verticalCenter: parent.verticalCenter
            implicitHeight: 26
            text: root.copied ? qsTr("Copied") : qsTr("Copy")
            font.pixelSize: Theme.smallFontSize
            tip: qsTr("Copy the code")
            onClicked: {
                root.copyRequested(root.code)
                root.copied = true
                copiedTimer.restart()
            }
        }
        Timer { id: copiedTimer; interval: 1500; onTriggered: root.copied = false }
    }

    Flickable {
        id: scroller
        objectName: "codeScroller"
        anchors.top: header.bottom
        width: parent.width
        height: codeText.implicitHeight + (horizontalBar.visible ? horizontalBar.height : 0)
        contentWidth: codeText.implicitWidth
        contentHeight: codeText.implicitHeight
        flickableDirection: Flickable.HorizontalFlick
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        ScrollBar.horizontal: ScrollBar {
            id: horizontalBar
            objectName: "codeScrollBar"
            policy: scroller.contentWidth > scroller.width ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff
            visible: policy === ScrollBar.AlwaysOn
        }
        TextEdit {
            id: codeText
            objectName: "codeText"
            padding: 10
            readOnly: true
            selectByMouse: true
            wrapMode: TextEdit.NoWrap
            textFormat: TextEdit.RichText // produced escaped by Markdown.highlight
            text: Markdown.highlight(root.code, root.language, root.dark)
            color: Theme.text
            selectionColor: Theme.selection
            selectedTextColor: Theme.text
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSize - 1
        }
    }
}
