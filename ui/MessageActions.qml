// MessageActions: the row under a message — ‹ n/m › branches, copy, edit or regenerate,
// delete, and for answers the stats line whose tooltip names the model and settings used.
import QtQuick
import QtQuick.Controls.Basic

Row {
    id: root
    property bool isUser: false
    property bool enabledActions: true
    property int branchIndex: 1
    property int branchCount: 1
    property string statsText: ""
    property string detailsText: ""
    property string modelName: ""
    property real maxWidth: 10000 // the stats line elides to stay inside the message
    signal branchRequested(int delta)
    signal copyRequested()
    signal editRequested()
    signal regenerateRequested()
    signal deleteRequested()

    spacing: 2
    IconButton {
        objectName: "branchPrevious"
        visible: root.branchCount > 1
        enabled: root.enabledActions && root.branchIndex > 1
        text: "‹"
        tip: qsTr("Previous version")
        onClicked: root.branchRequested(-1)
    }
    Label {
        objectName: "branchLabel"
        visible: root.branchCount > 1
        anchors.verticalCenter: parent.verticalCenter
        text: root.branchIndex + "/" + root.branchCount
        color: Theme.textMuted
        font.pixelSize: Theme.smallFontSize
    }
    IconButton {
        objectName: "branchNext"
        visible: root.branchCount > 1
        enabled: root.enabledActions && root.branchIndex < root.branchCount
        text: "›"
        tip: qsTr("Next version")
        onClicked: root.branchRequested(1)
    }
    IconButton {
        objectName: "copyButton"
        text: qsTr("Copy")
        font.pixelSize: Theme.smallFontSize
        tip: qsTr("Copy the text")
        onClicked: root.copyRequested()
    }
    IconButton {
        objectName: "editButton"
        visible: root.isUser
        enabled: root.enabledActions
        text: "✎"
        tip: qsTr("Edit (a new version of the conversation)")
        onClicked: root.editRequested()
    }
    IconButton {
        objectName: "regenerateButton"
        visible: !root.isUser
        enabled: root.enabledActions
        text: "↻"
        tip: qsTr("Regenerate")
        onClicked: root.regenerateRequested()
    }
    IconButton {
        objectName: "deleteButton"
        enabled: root.enabledActions
        text: qsTr("Delete")
        font.pixelSize: Theme.smallFontSize
        tip: qsTr("Delete this message and the replies below it")
        onClicked: root.deleteRequested()
    }
    Label {
        objectName: "statsLabel"
        visible: !root.isUser && text.length > 0
        anchors.verticalCenter: parent.verticalCenter
        leftPadding: 6
        width: Math.max(0, Math.min(implicitWidth, root.maxWidth - x))
        elide: Text.ElideRight
        text: root.statsText + (root.modelName.length > 0 ? " · " + root.modelName : "")
        textFormat: Text.PlainText // from a file or an error: never markup
        color: Theme.textMuted
        font.pixelSize: Theme.smallFontSize
        HoverHandler { id: statsHover }
        ToolTip.visible: statsHover.hovered && root.detailsText.length > 0
        ToolTip.text: root.detailsText
        ToolTip.delay: 300
    }
}
